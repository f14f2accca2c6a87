"""Reads of the dues ledger that users trigger, limited through ``branches.access``, and the month
rule. The figures (due, paid, 收缴率, arrears …) are ``dues/facts.py``.

Who owes a month (the month rule, documented and tested):

* a 预备党员 or 正式党员 owes from the month the 支部大会 accepted them (``probationary_on``);
* the month is owed in the branch the member belonged to on the month's 1st. A member transferred
  out on any day after the 1st therefore owes the month of transfer in the old branch and starts
  owing in the new branch the next month; a transfer dated the 1st moves that whole month;
* someone who joins during a month with no membership on its 1st owes that month in the branch
  they joined;
* a member whose membership closed (death, 出党, 除名…) owes no month after the one it closed in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from branches import access
from branches.models import OrgUnit, in_subtree, path_within, today
from branches.periods import Period
from members.models import PARTY_MEMBER_STATUSES, Membership, Person

from .facts import LedgerRow, base_in_force, live_payments
from .models import ArrearsCase, DuesBase, DuesDue, Payment, Receipt, Remittance

# ---------------------------------------------------------------------------------------------
# Scoped lists


def payments_list(*, user: Any, unit: OrgUnit, period: Period) -> QuerySet[Payment]:
    return access.restrict(
        Payment.objects.filter(in_subtree(unit, "unit"), paid_on__gte=period.start, paid_on__lte=period.end),
        user, "unit__path",
    ).select_related("person", "unit", "receipt").order_by("-paid_on", "-id")


def remittances_list(*, user: Any, unit: OrgUnit) -> QuerySet[Remittance]:
    queryset = Remittance.objects.filter(in_subtree(unit, "unit"))
    return access.restrict(queryset, user, "unit__path").select_related("unit")


def arrears_cases_list(*, user: Any, unit: OrgUnit) -> QuerySet[ArrearsCase]:
    return access.restrict(
        ArrearsCase.objects.filter(in_subtree(unit, "unit")), user, "unit__path"
    ).select_related("person", "unit")


# ---------------------------------------------------------------------------------------------
# Pages


@dataclass
class SheetRow:
    person: Any
    due: Decimal | None  # None: not generated yet
    payments: list[Payment] = field(default_factory=list)  # live, in instalment order (补足 after the first)

    @property
    def payment(self) -> Payment | None:
        return self.payments[0] if self.payments else None

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0.00"))

    @property
    def outstanding(self) -> Decimal:
        return max((self.due or Decimal("0.00")) - self.paid, Decimal("0.00"))

    @property
    def status(self) -> str:
        """未生成 / 免缴 / 已缴 / 未缴足 / 未缴, as :class:`dues.facts.LedgerRow` says it."""
        if self.due is None:
            return "未生成"
        return LedgerRow(self.person.pk, self.person.name, 0, dt.date.min, self.due, self.paid).status


def month_sheet_rows(unit: OrgUnit, month: dt.date) -> list[SheetRow]:
    """Everyone ``unit`` holds for ``month`` with their amount due and live payments (constant queries)."""
    owing = owing_units(month, unit=unit)
    people = Person.objects.filter(pk__in=list(owing)).order_by("pinyin", "pk")
    dues = dict(DuesDue.objects.filter(month=month, person_id__in=list(owing)).values_list("person_id", "amount"))
    payments: dict[int, list[Payment]] = defaultdict(list)
    for payment in (live_payments().filter(month=month, person_id__in=list(owing)).select_related("receipt")
                    .order_by("instalment", "id")):
        payments[payment.person_id].append(payment)
    return [SheetRow(person, dues.get(person.pk), payments.get(person.pk, [])) for person in people]


@dataclass
class BaseRow:
    person: Any
    current: Any  # DuesBase in force on 1 January, or None
    changed_in_year: bool


def base_review_rows(unit: OrgUnit, year: int) -> list[BaseRow]:
    """每年初核定: each member held by the branch in January (or now), with the base in force on 1 January."""
    start = dt.date(year, 1, 1)
    ids = set(owing_units(start, unit=unit)) | set(owing_units(min(today(), dt.date(year, 12, 1)), unit=unit))
    people = Person.objects.filter(pk__in=ids).order_by("pinyin", "pk").prefetch_related(
        Prefetch("dues_bases", queryset=DuesBase.objects.order_by("effective_from"))
    )
    rows = []
    for person in people:
        bases = list(person.dues_bases.all())
        rows.append(BaseRow(person, base_in_force(bases, start),
                            any(b.effective_from.year == year and b.effective_from.month > 1 for b in bases)))
    return rows


def person_ledger(person: Any, year: int) -> list[tuple[dt.date, Decimal | None, list[Payment], int | None]]:
    """A member's months in ``year``: (month, due, live payments in instalment order, branch owed in)."""
    dues = {d.month: d for d in DuesDue.objects.filter(person=person, month__year=year)}
    payments: dict[dt.date, list[Payment]] = defaultdict(list)
    for payment in (live_payments().filter(person=person, month__year=year).select_related("receipt")
                    .order_by("instalment", "id")):
        payments[payment.month].append(payment)
    rows = []
    for period in Period(year, "year").months():
        if period.start > today() and period.start not in payments:
            continue
        owed_in = dues[period.start].unit_id if period.start in dues else owing_units(
            period.start, person_ids=[person.pk]).get(person.pk)
        if owed_in is None and period.start not in payments:
            continue
        due = dues[period.start].amount if period.start in dues else None
        rows.append((period.start, due, payments.get(period.start, []), owed_in))
    return rows


# Who owes which month, and where (see the module doc)


def owing_units(month: dt.date, *, person_ids: list[int] | None = None, unit: OrgUnit | None = None) -> dict[int, int]:
    """``{person id: branch id}`` for everyone who owes dues for ``month`` (see the module doc)."""
    period = Period.month_of(month)
    start, end = period.start, period.end
    memberships = Membership.objects.filter(started_on__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=start)
    ).filter(person__status__in=PARTY_MEMBER_STATUSES).filter(
        Q(person__probationary_on__isnull=True) | Q(person__probationary_on__lte=end)
    )
    if person_ids is not None:
        memberships = memberships.filter(person_id__in=person_ids)
    if unit is not None:
        inside = Membership.objects.filter(in_subtree(unit, "unit"), started_on__lte=end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=start)
        )
        memberships = memberships.filter(person_id__in=inside.values("person_id"))
    if unit is None:
        return _choose(memberships.values_list("person_id", "unit_id", "started_on"), start)
    rows = list(memberships.values_list("person_id", "unit_id", "started_on", "unit__path"))
    paths = {unit_id: path for _, unit_id, _, path in rows}
    result = _choose([(person_id, unit_id, started_on) for person_id, unit_id, started_on, _ in rows], start)
    return {pid: uid for pid, uid in result.items() if path_within(paths[uid], unit.path)}


def _choose(rows: Any, start: dt.date) -> dict[int, int]:
    """Among a month's overlapping memberships: the one held on the 1st wins; otherwise the
    earliest one starting in the month."""
    chosen: dict[int, tuple[dt.date, int]] = {}
    for person_id, unit_id, started_on in rows:
        held = chosen.get(person_id)
        key = max(started_on, start)
        if held is None or key < held[0]:
            chosen[person_id] = (key, unit_id)
    return {person_id: unit_id for person_id, (_, unit_id) in chosen.items()}


def owing_units_bulk(months: list[dt.date]) -> dict[dt.date, dict[int, int]]:
    """:func:`owing_units` for many months with one query (demo data, back-filling a ledger)."""
    rows = list(Membership.objects.filter(person__status__in=PARTY_MEMBER_STATUSES).values_list(
        "person_id", "unit_id", "started_on", "ended_on", "person__probationary_on"))
    result = {}
    for month in months:
        period = Period.month_of(month)
        start, end = period.start, period.end
        overlapping = (
            (pid, uid, started) for pid, uid, started, ended, accepted in rows
            if started <= end and (ended is None or ended > start) and (accepted is None or accepted <= end)
        )
        result[period.start] = _choose(overlapping, start)
    return result


def receipt_submitted(token: str | None) -> Receipt | None:
    """The receipt a payment form with this one-time token already recorded, if it did (a second
    submit of the same form; ``dues.forms.OneTimeForm``)."""
    try:
        value = uuid.UUID(token or "")
    except ValueError:
        return None
    return Receipt.objects.filter(submit_token=value).first()
