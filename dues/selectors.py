"""Reads of the dues ledger, limited through ``branches.access``.

Every figure (branch page, committee overview, ``export dues``) is computed from
:func:`ledger_rows`, so the three agree to the fen.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from branches import access
from branches.models import OrgUnit, UnitKind, today
from branches.periods import Period

from .models import ArrearsCase, DuesDue, Payment, PaymentKind, Remittance
from .rates import money
from .services import month_index

ZERO = Decimal("0.00")
ARREARS_WARN_MONTHS = 3
LAPSE_MONTHS = 6


@dataclass(frozen=True)
class LedgerRow:
    person_id: int
    name: str
    unit_id: int
    month: dt.date
    due: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return max(self.due - self.paid, ZERO)

    @property
    def is_paid(self) -> bool:
        return self.paid >= self.due


def live_payments() -> QuerySet[Payment]:
    return Payment.objects.filter(voided_at__isnull=True, kind=PaymentKind.REGULAR)


def _dues_in(unit: OrgUnit, first: dt.date, last: dt.date) -> QuerySet[DuesDue]:
    # unit ids first, so the (unit, month) index is used rather than a scan by month
    unit_ids = list(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    return DuesDue.objects.filter(unit_id__in=unit_ids, month__gte=first, month__lte=last)


def paid_by_member_month(unit: OrgUnit, first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], Decimal]:
    """Live 党费 payments of the members owed in ``unit`` between ``first`` and ``last`` (one query)."""
    people = _dues_in(unit, first, last).values("person_id")
    rows = (
        live_payments().filter(month__gte=first, month__lte=last, person_id__in=people)
        .values("person_id", "month").annotate(total=Sum("amount")).values_list("person_id", "month", "total")
    )
    return {(pid, month): money(total) for pid, month, total in rows}


def _ledger(unit: OrgUnit, first: dt.date, last: dt.date, order: tuple[str, ...]) -> list[LedgerRow]:
    paid = paid_by_member_month(unit, first, last)
    rows = _dues_in(unit, first, last).order_by(*order).values_list(
        "person_id", "person__name", "unit_id", "month", "amount"
    )
    return [LedgerRow(pid, name, uid, month, amount, paid.get((pid, month), ZERO))
            for pid, name, uid, month, amount in rows]


def ledger_rows(unit: OrgUnit, period: Period) -> list[LedgerRow]:
    """One row per member and month owed in ``unit``'s subtree during ``period``."""
    return _ledger(unit, period.start, period.end, ("unit__path", "person__pinyin", "person_id", "month"))


@dataclass
class Figures:
    due: Decimal = ZERO
    paid: Decimal = ZERO
    outstanding: Decimal = ZERO
    people_due: int = 0
    people_paid: int = 0
    remitted: Decimal = ZERO
    to_centre: Decimal = ZERO
    voluntary: Decimal = ZERO

    @property
    def rate_money(self) -> Decimal | None:
        """收缴率（金额）, as a percentage with one decimal; None when nothing was due."""
        if not self.due:
            return None
        return (self.paid / self.due * 100).quantize(Decimal("0.1"))

    @property
    def rate_people(self) -> Decimal | None:
        if not self.people_due:
            return None
        return (Decimal(self.people_paid) / self.people_due * 100).quantize(Decimal("0.1"))

    @property
    def retained(self) -> Decimal:
        """What stays with the branch: collected (党费 and voluntary) minus what went up."""
        return self.paid + self.voluntary - self.remitted


def figures_from_rows(rows: Iterable[LedgerRow]) -> Figures:
    figures = Figures()
    by_person: dict[int, bool] = {}
    for row in rows:
        figures.due += row.due
        figures.paid += row.paid
        figures.outstanding += row.outstanding
        by_person[row.person_id] = by_person.get(row.person_id, True) and row.is_paid
    figures.people_due = len(by_person)
    figures.people_paid = sum(1 for ok in by_person.values() if ok)
    return figures


def _add_money_flows(figures_by_unit: dict[int, Figures], key: Any, unit: OrgUnit, period: Period) -> None:
    """Remittances and voluntary payments, assigned to the reporting unit ``key(branch id)``."""
    periods = {str(period)} | {str(p) for kind in ("quarter", "month") if _fits(period, kind)
                               for p in period.subperiods(kind)}
    for unit_id, amount, centre in Remittance.objects.filter(
        unit__path__startswith=unit.path, voided_at__isnull=True, period__in=periods
    ).values_list("unit_id", "amount", "to_centre"):
        target = figures_by_unit.get(key(unit_id))
        if target is not None:
            target.remitted += amount
            target.to_centre += centre
    for unit_id, amount in Payment.objects.filter(
        unit__path__startswith=unit.path, voided_at__isnull=True, kind=PaymentKind.VOLUNTARY,
        month__gte=period.start, month__lte=period.end,
    ).values_list("unit_id", "amount"):
        target = figures_by_unit.get(key(unit_id))
        if target is not None:
            target.voluntary += amount


def _fits(period: Period, kind: str) -> bool:
    order = ["month", "quarter", "half", "year"]
    return order.index(kind) <= order.index(period.kind)


# Each month owed with what was paid against it. A small scope (a branch, a 党总支) looks each
# month's payments up through their (person, month) index; a large one (a committee of hundreds
# of branches, a year) sums the window's payments in one pass and hash-joins them, since a lookup
# per owed month costs seconds at that size.
_OWED_BY_LOOKUP = """
SELECT d.unit_id, d.month, d.person_id, d.amount, COALESCE(SUM(p.amount), 0) AS paid
FROM {dues} d
LEFT JOIN {payments} p ON p.person_id = d.person_id AND p.month = d.month AND p.voided_at IS NULL AND p.kind = %s
WHERE d.month >= %s AND d.month <= %s AND d.unit_id IN ({units})
GROUP BY d.id, d.unit_id, d.month, d.person_id, d.amount
"""
_OWED_BY_PASS = """
SELECT d.unit_id, d.month, d.person_id, d.amount, COALESCE(p.total, 0) AS paid
FROM {dues} d
LEFT JOIN (SELECT person_id, month, SUM(amount) AS total FROM {payments}
           WHERE voided_at IS NULL AND kind = %s AND month >= %s AND month <= %s GROUP BY person_id, month) p
       ON p.person_id = d.person_id AND p.month = d.month
WHERE d.month >= %s AND d.month <= %s AND d.unit_id IN ({units})
"""
_LARGE_SCOPE_UNITS = 50


def _owed(unit: OrgUnit, first: dt.date, last: dt.date) -> tuple[str, list[Any]]:
    """The owed-months query for ``unit``'s subtree between two dates, and its parameters."""
    from django.db import connection

    unit_ids = list(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    date = connection.ops.adapt_datefield_value
    window = [date(first), date(last)]
    large = len(unit_ids) > _LARGE_SCOPE_UNITS
    sql = (_OWED_BY_PASS if large else _OWED_BY_LOOKUP).format(
        dues=DuesDue._meta.db_table, payments=Payment._meta.db_table, units=", ".join(["%s"] * len(unit_ids)))
    params = [PaymentKind.REGULAR.value, *window, *(window if large else []), *unit_ids]
    return sql, params


_AGGREGATE_SQL = """
SELECT {select_key}, d.person_id, SUM(d.amount), SUM(d.paid),
       SUM(CASE WHEN d.amount > d.paid THEN d.amount - d.paid ELSE 0 END),
       SUM(CASE WHEN d.paid < d.amount THEN 1 ELSE 0 END)
FROM ({owed}) d
GROUP BY {group_key}d.person_id
"""
_KEYS = {"unit": ("d.unit_id", "d.unit_id, "), "month": ("d.month", "d.month, "), "all": ("0", "")}


def _aggregate_rows(unit: OrgUnit, period: Period, key: str) -> list[tuple]:
    """``(group, person, due, paid, outstanding, unpaid months)`` per group and member, summed in
    the database: one query however many members (the committee overview at 15,000 members)."""
    from django.db import connection

    owed, params = _owed(unit, period.start, period.end)
    select_key, group_key = _KEYS[key]
    sql = _AGGREGATE_SQL.format(select_key=select_key, group_key=group_key, owed=owed)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if key == "month":
        rows = [(g if isinstance(g, dt.date) else dt.date.fromisoformat(str(g)[:10]), *rest) for g, *rest in rows]
    return rows


def _fold(rows: list[tuple], group: Any) -> dict[Any, Figures]:
    """Sum per group; a member is fully paid in a group when none of their months there is short."""
    result: dict[Any, Figures] = defaultdict(Figures)
    people: dict[tuple[Any, int], bool] = {}
    for row in rows:
        key, person, due, paid, outstanding, unpaid = group(row), row[1], row[2], row[3], row[4], row[5]
        figures = result[key]
        figures.due += _exact(due)
        figures.paid += _exact(paid)
        figures.outstanding += _exact(outstanding)
        people[(key, person)] = people.get((key, person), True) and not unpaid
    for (key, _person), paid_up in people.items():
        result[key].people_due += 1
        result[key].people_paid += 1 if paid_up else 0
    return result


def _aggregate(unit: OrgUnit, period: Period, key: str) -> dict[Any, Figures]:
    return _fold(_aggregate_rows(unit, period, key), lambda row: row[0])


def _money(value: Any) -> Decimal:
    return money(Decimal(str(value or 0)))


def _exact(value: Any) -> Decimal:
    """:func:`_money` of a sum from the database, without a trip through ``str`` for PostgreSQL's
    exact decimals (SQLite's sums are floats): tens of thousands of them for a committee."""
    return money(value) if type(value) is Decimal else _money(value)


def figures_for(unit: OrgUnit, period: Period) -> Figures:
    """Due, paid, outstanding, 收缴率 (money and people) and money flows for ``unit``'s subtree."""
    figures = _aggregate(unit, period, "all").get(0) or Figures()
    _add_money_flows({unit.pk: figures}, lambda _branch: unit.pk, unit, period)
    return figures


def figures_by_month(unit: OrgUnit, period: Period) -> list[tuple[Period, Figures]]:
    grouped = _aggregate(unit, period, "month")
    return [(month, grouped.get(month.start) or Figures()) for month in period.months()]


def figures_with_months(unit: OrgUnit, period: Period) -> tuple[Figures, list[tuple[Period, Figures]]]:
    """:func:`figures_for` and :func:`figures_by_month` together, from one aggregate query: a
    member is fully paid in the period when none of their months is short."""
    rows = _aggregate_rows(unit, period, "month")
    total = _fold(rows, lambda row: 0).get(0) or Figures()
    _add_money_flows({unit.pk: total}, lambda _branch: unit.pk, unit, period)
    grouped = _fold(rows, lambda row: row[0])
    return total, [(month, grouped.get(month.start) or Figures()) for month in period.months()]


def figures_overview(unit: OrgUnit, period: Period) -> tuple[Figures, list[tuple[OrgUnit, Figures]]]:
    """The committee overview: the total and each 党支部, from one aggregate query. A member owed
    in two branches within the period (a transfer) counts once in the total's people figures."""
    rows = _aggregate_rows(unit, period, "unit")
    branches = list(OrgUnit.objects.filter(path__startswith=unit.path, kind=UnitKind.BRANCH).order_by("path"))
    by_branch = _fold(rows, lambda row: row[0])
    total = _fold(rows, lambda row: 0).get(0) or Figures()
    result = {branch.pk: by_branch.get(branch.pk) or Figures() for branch in branches}
    _add_money_flows(result, lambda branch_id: branch_id, unit, period)
    _add_money_flows({unit.pk: total}, lambda _branch: unit.pk, unit, period)
    return total, [(branch, result[branch.pk]) for branch in branches]


def figures_by_branch(unit: OrgUnit, period: Period) -> list[tuple[OrgUnit, Figures]]:
    """Figures per 党支部 under ``unit`` (constant number of queries)."""
    branches = list(OrgUnit.objects.filter(path__startswith=unit.path, kind=UnitKind.BRANCH).order_by("path"))
    grouped = _aggregate(unit, period, "unit")
    result = {branch.pk: grouped.get(branch.pk) or Figures() for branch in branches}
    _add_money_flows(result, lambda branch_id: branch_id, unit, period)
    return [(branch, result[branch.pk]) for branch in branches]


# ---------------------------------------------------------------------------------------------
# Arrears


@dataclass
class Arrear:
    person_id: int
    name: str
    unit_id: int
    months: list[dt.date] = field(default_factory=list)
    amount: Decimal = ZERO
    consecutive: int = 0  # the longest run of consecutive unpaid months
    run_start: dt.date | None = None

    @property
    def count(self) -> int:
        return len(self.months)

    @property
    def level(self) -> str:
        if self.consecutive >= LAPSE_MONTHS:
            return "lapse"
        if self.count >= ARREARS_WARN_MONTHS:
            return "warning"
        return "minor"

    @property
    def level_label(self) -> str:
        return {"lapse": "连续欠缴满6个月", "warning": "欠缴3个月以上", "minor": "欠缴"}[self.level]

    @property
    def lapse_case(self) -> bool:
        return self.level == "lapse"

    @property
    def oldest(self) -> dt.date:
        return self.months[0]


def arrears_for_unit(unit: OrgUnit, *, on: dt.date | None = None, since_months: int = 36) -> list[Arrear]:
    """Members with unpaid months before the month of ``on`` (a month becomes overdue when it
    ends), oldest debt first. Looks back ``since_months`` months."""
    on = on or today()
    current = on.replace(day=1)
    first_index = month_index(current) - since_months
    first = dt.date(first_index // 12, first_index % 12 + 1, 1)
    # only the short months are fetched: a paid month (or a month not owed) is a gap in the
    # month sequence, which ends a run of consecutive unpaid months just the same
    found: dict[int, Arrear] = {}
    run: dict[int, tuple[dt.date, int, int]] = {}  # person → (run start, run length, last month index)
    for pid, name, uid, month, amount, paid in _unpaid_rows(unit, first, current - dt.timedelta(days=1)):
        arrear = found.setdefault(pid, Arrear(pid, name, uid))
        arrear.unit_id = uid  # the latest branch owed in
        arrear.months.append(month)
        arrear.amount += amount - paid
        start, length, last = run.get(pid, (month, 0, month_index(month) - 1))
        if month_index(month) != last + 1:
            start, length = month, 0
        run[pid] = (start, length + 1, month_index(month))
        if length + 1 >= arrear.consecutive:
            arrear.consecutive, arrear.run_start = length + 1, start
    return sorted(found.values(), key=lambda a: (-a.consecutive, -a.count, a.name))


_UNPAID_SQL = """
SELECT d.person_id, person.name, d.unit_id, d.month, d.amount, d.paid FROM ({owed}) d
JOIN {people} person ON person.id = d.person_id
WHERE d.paid < d.amount
ORDER BY d.person_id, d.month
"""


def _unpaid_rows(unit: OrgUnit, first: dt.date, last: dt.date) -> list[tuple[int, str, int, dt.date, Decimal, Decimal]]:
    """``(person, name, branch, month, due, paid)`` for every month in the window not fully paid:
    one query, with the names (the same number of queries whether anyone owes or not)."""
    from django.db import connection

    from members.models import Person

    owed, params = _owed(unit, first, last)
    with connection.cursor() as cursor:
        cursor.execute(_UNPAID_SQL.format(owed=owed, people=connection.ops.quote_name(Person._meta.db_table)), params)
        rows = cursor.fetchall()
    return [(pid, name, uid, month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month)[:10]),
             _money(due), _money(paid)) for pid, name, uid, month, due, paid in rows]


# ---------------------------------------------------------------------------------------------
# Scoped lists


def payments_list(*, user: Any, unit: OrgUnit, period: Period) -> QuerySet[Payment]:
    return access.restrict(
        Payment.objects.filter(unit__path__startswith=unit.path, paid_on__gte=period.start, paid_on__lte=period.end),
        user, "unit__path",
    ).select_related("person", "unit", "receipt").order_by("-paid_on", "-id")


def remittances_list(*, user: Any, unit: OrgUnit) -> QuerySet[Remittance]:
    queryset = Remittance.objects.filter(unit__path__startswith=unit.path)
    return access.restrict(queryset, user, "unit__path").select_related("unit")


def arrears_cases_list(*, user: Any, unit: OrgUnit) -> QuerySet[ArrearsCase]:
    return access.restrict(
        ArrearsCase.objects.filter(unit__path__startswith=unit.path), user, "unit__path"
    ).select_related("person", "unit")


# ---------------------------------------------------------------------------------------------
# Pages


@dataclass
class SheetRow:
    person: Any
    due: Decimal | None  # None: not generated yet
    payment: Payment | None


def month_sheet_rows(unit: OrgUnit, month: dt.date) -> list[SheetRow]:
    """Everyone ``unit`` holds for ``month`` with their amount due and live payment (constant queries)."""
    from members.models import Person

    from .services import owing_units

    owing = owing_units(month, unit=unit)
    people = Person.objects.filter(pk__in=list(owing)).order_by("pinyin", "pk")
    dues = dict(DuesDue.objects.filter(month=month, person_id__in=list(owing)).values_list("person_id", "amount"))
    payments = {
        p.person_id: p for p in live_payments().filter(month=month, person_id__in=list(owing)).select_related("receipt")
    }
    return [SheetRow(person, dues.get(person.pk), payments.get(person.pk)) for person in people]


@dataclass
class BaseRow:
    person: Any
    current: Any  # DuesBase in force on 1 January, or None
    changed_in_year: bool


def base_review_rows(unit: OrgUnit, year: int) -> list[BaseRow]:
    """每年初核定: each member held by the branch in January (or now), with the base in force on 1 January."""
    from django.db.models import Prefetch

    from members.models import Person

    from .models import DuesBase
    from .services import base_in_force, owing_units

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


def person_ledger(person: Any, year: int) -> list[tuple[dt.date, Decimal | None, Payment | None, int | None]]:
    """A member's months in ``year``: (month, due, live payment, branch owed in)."""
    from .services import owing_units

    dues = {d.month: d for d in DuesDue.objects.filter(person=person, month__year=year)}
    payments = {p.month: p for p in live_payments().filter(person=person, month__year=year).select_related("receipt")}
    rows = []
    for period in Period(year, "year").months():
        if period.start > today() and period.start not in payments:
            continue
        owed_in = dues[period.start].unit_id if period.start in dues else owing_units(
            period.start, person_ids=[person.pk]).get(person.pk)
        if owed_in is None and period.start not in payments:
            continue
        due = dues[period.start].amount if period.start in dues else None
        rows.append((period.start, due, payments.get(period.start), owed_in))
    return rows
