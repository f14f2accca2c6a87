"""Facts of the two ledgers: dues owed, paid and outstanding, 收缴率 in money and in people,
remittances, arrears, members' dues bases, and the monthly points sheets, for a subtree and a
period (the facts layer: ``branches/facts.py``; the catalogue of figures: ``docs/figures.md``).

Every dues figure (the branch page, the committee overview, the home page, the scorecard, the
work report, ``export dues``) is computed here from the owed months (``DuesDue``) and the live
payments against each of them, so they all agree to the fen. Who owes which month, and where, is
the month rule of ``dues/selectors.py``; the amounts due are generated from it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from branches.facts import Window
from branches.models import OrgUnit, UnitKind, in_subtree, today
from branches.periods import Period, month_index
from members.models import PARTY_MEMBER_STATUSES, Membership

from .models import DuesBase, DuesDue, Payment, PaymentKind, PointsSheet, Remittance
from .rates import money

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
    def exempt(self) -> bool:
        """免缴: nothing owed this month (困难减免 to 0); neither owed nor paid in 收缴率（人数）."""
        return self.due == 0

    @property
    def is_paid(self) -> bool:
        """Paid in full: a partial payment is 未缴足, not paid (docs/figures.md)."""
        return not self.exempt and self.paid >= self.due

    @property
    def status(self) -> str:
        if self.exempt:
            return "免缴"
        if self.is_paid:
            return "已缴"
        return "未缴足" if self.paid else "未缴"


def live_payments() -> QuerySet[Payment]:
    return Payment.objects.filter(voided_at__isnull=True, kind=PaymentKind.REGULAR)


def _dues_in(unit: OrgUnit, first: dt.date, last: dt.date) -> QuerySet[DuesDue]:
    # unit ids first, so the (unit, month) index is used rather than a scan by month
    unit_ids = list(OrgUnit.objects.filter(in_subtree(unit)).values_list("pk", flat=True))
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


def ledger_rows(unit: OrgUnit, period: Period, *, on: dt.date | None = None) -> list[LedgerRow]:
    """One row per member and month owed in ``unit``'s subtree during ``period`` (with ``on``, the
    months begun by then, as :func:`figures_for` counts them)."""
    return _ledger(unit, period.start, _last_month(period, on), ("unit__path", "person__pinyin", "person_id", "month"))


@dataclass
class Figures:
    """The dues figures of a subtree and a period (docs/figures.md, "收缴率（人数）").

    The people figures count **member-months** (人次): each month a member owes (an 应缴 row above
    0) is one; it is 已缴足 when the live payments against it reach the amount due (a partial
    payment is 未缴足); a 免缴 month (due 0) is neither owed nor paid. For one month a member-month
    is a member, so the month's figures are people (人)."""

    due: Decimal = ZERO
    paid: Decimal = ZERO
    outstanding: Decimal = ZERO
    owed: int = 0  # 应缴人次: member-months with something due
    settled: int = 0  # 已缴足人次
    partial: int = 0  # of the rest, months with something (not all) paid: 未缴足
    exempt: int = 0  # 免缴人次: member-months due 0, in neither count
    remitted: Decimal = ZERO
    to_centre: Decimal = ZERO
    voluntary: Decimal = ZERO
    measure: str = "人"  # 人 for a month, 人次 for a longer period
    as_of: dt.date | None = None  # the day a period still running is read on ("截至12月5日")

    @property
    def rate_money(self) -> Decimal | None:
        """收缴率（金额）, as a percentage with one decimal; None when nothing was due."""
        if not self.due:
            return None
        return (self.paid / self.due * 100).quantize(Decimal("0.1"))

    @property
    def rate_people(self) -> Decimal | None:
        """收缴率（人数）: 已缴足 ÷ 应缴 member-months, one decimal; None when nobody owed anything."""
        if not self.owed:
            return None
        return (Decimal(self.settled) / self.owed * 100).quantize(Decimal("0.1"))

    @property
    def unpaid(self) -> int:
        """未缴 (including 未缴足) member-months: for a month, the members not paid up."""
        return self.owed - self.settled

    @property
    def generated(self) -> int:
        """应缴 rows counted (owed and 免缴): 0 when the months' 应缴 were never generated."""
        return self.owed + self.exempt

    @property
    def as_of_label(self) -> str:
        """"截至12月5日" for a period still running, else ""."""
        return f"截至{self.as_of.month}月{self.as_of.day}日" if self.as_of else ""

    @property
    def retained(self) -> Decimal:
        """What stays with the branch: collected (党费 and voluntary) minus what went up."""
        return self.paid + self.voluntary - self.remitted


def figures_from_rows(rows: Iterable[LedgerRow]) -> Figures:
    """The same figures as :func:`figures_for`, summed in Python from :func:`ledger_rows`."""
    figures = Figures()
    for row in rows:
        figures.due += row.due
        figures.paid += row.paid
        figures.outstanding += row.outstanding
        if row.exempt:
            figures.exempt += 1
            continue
        figures.owed += 1
        figures.settled += row.is_paid
        figures.partial += bool(row.paid) and not row.is_paid
    return figures


def _stamp(figures: Figures, period: Period, on: dt.date | None) -> Figures:
    """Say what the figures measure: people (a month) or member-months, and as of which day."""
    figures.measure = "人" if period.kind == "month" else "人次"
    figures.as_of = on if on is not None and on < period.end else None
    return figures


def _add_money_flows(figures_by_unit: dict[int, Figures], key: Any, unit: OrgUnit, period: Period) -> None:
    """Remittances and voluntary payments, assigned to the reporting unit ``key(branch id)``."""
    for unit_id, amount, centre in remittances(unit, period).values_list("unit_id", "amount", "to_centre"):
        target = figures_by_unit.get(key(unit_id))
        if target is not None:
            target.remitted += amount
            target.to_centre += centre
    for unit_id, amount in Payment.objects.filter(in_subtree(unit, "unit"),
        voided_at__isnull=True, kind=PaymentKind.VOLUNTARY,
        month__gte=period.start, month__lte=period.end,
    ).values_list("unit_id", "amount"):
        target = figures_by_unit.get(key(unit_id))
        if target is not None:
            target.voluntary += amount


def _fits(period: Period, kind: str) -> bool:
    order = ["month", "quarter", "half", "year"]
    return order.index(kind) <= order.index(period.kind)


def remittances(unit: OrgUnit, period: Period) -> QuerySet[Remittance]:
    """上交党费: the live remittances under ``unit`` for ``period`` or any quarter or month in it."""
    labels = {str(period)} | {str(p) for kind in ("quarter", "month") if _fits(period, kind)
                              for p in period.subperiods(kind)}
    return (Remittance.objects.filter(in_subtree(unit, "unit"), voided_at__isnull=True, period__in=labels)
            .select_related("unit").order_by("remitted_on", "id"))


def remittance_dates_by_unit(unit: OrgUnit, period: Period) -> dict[int, list[dt.date]]:
    """The days each unit under ``unit`` remitted for ``period`` (:func:`remittances`; one query)."""
    days: dict[int, list[dt.date]] = defaultdict(list)
    for unit_id, day in remittances(unit, period).values_list("unit_id", "remitted_on"):
        days[unit_id].append(day)
    return days


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
    unit_ids = list(OrgUnit.objects.filter(in_subtree(unit)).values_list("pk", flat=True))
    date = connection.ops.adapt_datefield_value
    window = [date(first), date(last)]
    large = len(unit_ids) > _LARGE_SCOPE_UNITS
    sql = (_OWED_BY_PASS if large else _OWED_BY_LOOKUP).format(
        dues=DuesDue._meta.db_table, payments=Payment._meta.db_table, units=", ".join(["%s"] * len(unit_ids)))
    params = [PaymentKind.REGULAR.value, *window, *(window if large else []), *unit_ids]
    return sql, params


# A month is paid up when what was paid reaches the amount due; sums of two payments on SQLite are
# floats, so "reaches" allows half a fen.
_SHORT = "d.amount - d.paid >= 0.005"
_AGGREGATE_SQL = f"""
SELECT {{select_key}}, SUM(d.amount), SUM(d.paid),
       SUM(CASE WHEN {_SHORT} THEN d.amount - d.paid ELSE 0 END),
       SUM(CASE WHEN d.amount > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN d.amount > 0 AND NOT ({_SHORT}) THEN 1 ELSE 0 END),
       SUM(CASE WHEN d.amount > 0 AND d.paid > 0 AND {_SHORT} THEN 1 ELSE 0 END),
       SUM(CASE WHEN d.amount = 0 THEN 1 ELSE 0 END)
FROM ({{owed}}) d
{{group_by}}
"""
_KEYS = {"unit": ("d.unit_id", "GROUP BY d.unit_id"), "month": ("d.month", "GROUP BY d.month"), "all": ("0", "")}


def _last_month(period: Period, on: dt.date | None) -> dt.date:
    """The last day whose month counts: the period's end, or ``on`` while the period runs (the
    months begun by then; one generated ahead of time is not owed yet)."""
    return period.end if on is None else min(period.end, on)


def _aggregate_rows(unit: OrgUnit, period: Period, key: str, on: dt.date | None = None) -> list[tuple]:
    """``(group, due, paid, outstanding, owed, settled, partial, exempt)`` per group, summed in the
    database: one query however many members (the committee overview at 15,000 members)."""
    owed, params = _owed(unit, period.start, _last_month(period, on))
    select_key, group_by = _KEYS[key]
    sql = _AGGREGATE_SQL.format(select_key=select_key, group_by=group_by, owed=owed)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [row for row in cursor.fetchall() if row[4] is not None]  # no owed month: SUM is NULL
    if key == "month":
        rows = [(g if isinstance(g, dt.date) else dt.date.fromisoformat(str(g)[:10]), *rest) for g, *rest in rows]
    return rows


def _fold(rows: list[tuple], group: Any) -> dict[Any, Figures]:
    """Sum per group: member-months add up, so a committee's figures are its branches' sums."""
    result: dict[Any, Figures] = defaultdict(Figures)
    for row in rows:
        figures = result[group(row)]
        figures.due += _exact(row[1])
        figures.paid += _exact(row[2])
        figures.outstanding += _exact(row[3])
        figures.owed += int(row[4])
        figures.settled += int(row[5])
        figures.partial += int(row[6])
        figures.exempt += int(row[7])
    return result


def _aggregate(unit: OrgUnit, period: Period, key: str, on: dt.date | None = None) -> dict[Any, Figures]:
    return _fold(_aggregate_rows(unit, period, key, on), lambda row: row[0])


def _money(value: Any) -> Decimal:
    return money(Decimal(str(value or 0)))


def _exact(value: Any) -> Decimal:
    """:func:`_money` of a sum from the database, without a trip through ``str`` for PostgreSQL's
    exact decimals (SQLite's sums are floats): tens of thousands of them for a committee."""
    return money(value) if type(value) is Decimal else _money(value)


def figures_for(unit: OrgUnit, period: Period, *, on: dt.date | None = None) -> Figures:
    """Due, paid, outstanding, 收缴率 (money and people) and money flows for ``unit``'s subtree;
    with ``on``, the months owed up to ``on`` (a period still running, as of today)."""
    figures = _aggregate(unit, period, "all", on).get(0) or Figures()
    _add_money_flows({unit.pk: figures}, lambda _branch: unit.pk, unit, period)
    return _stamp(figures, period, on)


def figures_by_month(unit: OrgUnit, period: Period, *, on: dt.date | None = None) -> list[tuple[Period, Figures]]:
    grouped = _aggregate(unit, period, "month", on)
    return [(month, _stamp(grouped.get(month.start) or Figures(), month, on)) for month in period.months()]


def figures_with_months(unit: OrgUnit, period: Period, *,
                        on: dt.date | None = None) -> tuple[Figures, list[tuple[Period, Figures]]]:
    """:func:`figures_for` and :func:`figures_by_month` together, from one aggregate query (the
    period's member-months are its months' summed)."""
    rows = _aggregate_rows(unit, period, "month", on)
    total = _fold(rows, lambda row: 0).get(0) or Figures()
    _add_money_flows({unit.pk: total}, lambda _branch: unit.pk, unit, period)
    grouped = _fold(rows, lambda row: row[0])
    return _stamp(total, period, on), [(month, _stamp(grouped.get(month.start) or Figures(), month, on))
                                       for month in period.months()]


def figures_overview(unit: OrgUnit, period: Period, *,
                     on: dt.date | None = None) -> tuple[Figures, list[tuple[OrgUnit, Figures]]]:
    """The committee overview: :func:`figures_for` of the whole and :func:`figures_by_branch`,
    from one aggregate query. A member owed in two branches within the period (a transfer) counts
    each month in the branch it was owed in, so the branches add up to the whole."""
    rows = _aggregate_rows(unit, period, "unit", on)
    total = _fold(rows, lambda row: 0).get(0) or Figures()
    _add_money_flows({unit.pk: total}, lambda _branch: unit.pk, unit, period)
    return _stamp(total, period, on), _branch_figures(unit, period, rows, on)


def figures_by_branch(unit: OrgUnit, period: Period, *, on: dt.date | None = None) -> list[tuple[OrgUnit, Figures]]:
    """:func:`figures_for` of each 党支部 under ``unit`` (constant number of queries)."""
    return _branch_figures(unit, period, _aggregate_rows(unit, period, "unit", on), on)


def _branch_figures(unit: OrgUnit, period: Period, rows: list[tuple],
                    on: dt.date | None) -> list[tuple[OrgUnit, Figures]]:
    branches = list(OrgUnit.objects.filter(in_subtree(unit), kind=UnitKind.BRANCH).order_by("path"))
    by_branch = _fold(rows, lambda row: row[0])
    result = {branch.pk: by_branch.get(branch.pk) or Figures() for branch in branches}
    _add_money_flows(result, lambda branch_id: branch_id, unit, period)
    return [(branch, _stamp(result[branch.pk], period, on)) for branch in branches]


# ---------------------------------------------------------------------------------------------
# Months whose 应缴 were never generated


@dataclass(frozen=True)
class MissingDues:
    """A month of the period for which some branch holding party members has no 应缴 rows, or
    live payments hang on no 应缴 row: those payments are in no figure until it is generated."""

    month: dt.date
    units: tuple[str, ...] = ()
    payments: int = 0
    amount: Decimal = ZERO

    @property
    def label(self) -> str:
        text = f"{self.month.year}年{self.month.month}月未生成应缴"
        if self.units:
            text += f"（{'、'.join(self.units[:5])}{'等' if len(self.units) > 5 else ''}）"
        if self.payments:
            text += f"，已登记的{self.payments}笔缴费共{self.amount}元未计入收缴"
        return text


def missing_dues_labels(gaps: list[MissingDues]) -> list[str]:
    """:func:`missing_dues` as a report says it: consecutive months lacking 应缴 in the same
    branches, with no payments hanging on them, in one phrase ("2026年1月至12月未生成应缴（…）")."""
    runs: list[list[MissingDues]] = []
    for gap in gaps:
        last = runs[-1][-1] if runs else None
        if (last is not None and not gap.payments and not last.payments and gap.units == last.units
                and month_index(gap.month) == month_index(last.month) + 1):
            runs[-1].append(gap)
        else:
            runs.append([gap])
    labels = []
    for run in runs:
        first, last = run[0], run[-1]
        if len(run) == 1:
            labels.append(first.label)
            continue
        to = f"{last.month.year}年{last.month.month}月" if last.month.year != first.month.year else f"{last.month.month}月"
        labels.append(first.label.replace(f"{first.month.month}月未生成", f"{first.month.month}月至{to}未生成", 1))
    return labels


def missing_dues(unit: OrgUnit, period: Period, *, on: dt.date | None = None) -> list[MissingDues]:
    """The months of ``period`` begun by ``on`` lacking 应缴 (:class:`MissingDues`), oldest first
    (three queries). A branch lacks a month when it held a 预备党员 or 正式党员 then (accepted by the
    month's end) but has no 应缴 row for it."""
    first, last = period.start, _last_month(period, on)
    if last < first:
        return []
    months = [m.start for m in period.months() if m.start <= last]
    generated = set(_dues_in(unit, first, last).values_list("unit_id", "month").distinct())
    held: dict[dt.date, set[int]] = defaultdict(set)
    memberships = Membership.objects.filter(
        in_subtree(unit, "unit"), person__status__in=PARTY_MEMBER_STATUSES, started_on__lte=last,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))
    for unit_id, started, ended, accepted in memberships.values_list(
            "unit_id", "started_on", "ended_on", "person__probationary_on"):
        for month in months:
            end = Period.month_of(month).end
            if started <= end and (ended is None or ended > month) and (accepted is None or accepted <= end):
                held[month].add(unit_id)
    lacking = {month: sorted(uid for uid in held[month] if (uid, month) not in generated) for month in months}
    orphans = (live_payments().filter(in_subtree(unit, "unit"), month__gte=first, month__lte=last)
               .exclude(Exists(DuesDue.objects.filter(person_id=OuterRef("person_id"), month=OuterRef("month"))))
               .values("month").annotate(count=Count("id"), total=Sum("amount")).values_list("month", "count", "total"))
    unpaired = {month: (count, money(total)) for month, count, total in orphans}
    names = dict(OrgUnit.objects.filter(pk__in={uid for ids in lacking.values() for uid in ids})
                 .values_list("pk", "name"))
    return [MissingDues(month, tuple(names[uid] for uid in lacking[month]), *unpaired.get(month, (0, ZERO)))
            for month in months if lacking[month] or month in unpaired]


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
SELECT d.person_id, p.name, d.unit_id, d.month, d.amount, d.paid FROM ({owed}) d
JOIN members_person p ON p.id = d.person_id
WHERE d.amount - d.paid >= 0.005
ORDER BY d.person_id, d.month
"""


def _unpaid_rows(unit: OrgUnit, first: dt.date, last: dt.date) -> list[tuple[int, str, int, dt.date, Decimal, Decimal]]:
    """``(person, name, branch, month, due, paid)`` for every month in the window not fully paid."""
    owed, params = _owed(unit, first, last)
    with connection.cursor() as cursor:
        cursor.execute(_UNPAID_SQL.format(owed=owed), params)
        rows = cursor.fetchall()
    return [(pid, name, uid, month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month)[:10]),
             _money(due), _money(paid)) for pid, name, uid, month, due, paid in rows]

# ---------------------------------------------------------------------------------------------
# Dues bases


def base_in_force(rows: list[DuesBase], day: dt.date) -> DuesBase | None:
    rows = sorted(rows, key=lambda row: row.effective_from)
    in_force = [row for row in rows if row.effective_from <= day]
    return in_force[-1] if in_force else (rows[0] if rows else None)


def bases_on(person_ids: Iterable[int] | QuerySet, day: dt.date) -> dict[int, DuesBase]:
    """Each person's dues base in force on ``day`` (:func:`base_in_force`; one query; the people
    as ids or as a query of ``person_id``)."""
    ids = person_ids if isinstance(person_ids, QuerySet) else list(person_ids)
    rows: dict[int, list[DuesBase]] = defaultdict(list)
    for base in DuesBase.objects.filter(person_id__in=ids).order_by("person_id", "effective_from"):
        rows[base.person_id].append(base)
    return {pid: base for pid, bases in rows.items() if (base := base_in_force(bases, day)) is not None}


# ---------------------------------------------------------------------------------------------
# Points sheets (积分: 自评 → 支部评定 → 公示 → 确认)

# A month's points count as published once the sheet reaches 公示.
PUBLISHED_STATES = (PointsSheet.State.PUBLIC, PointsSheet.State.CONFIRMED)


def points_sheets(unit: OrgUnit, window: Window) -> QuerySet[PointsSheet]:
    """开展积分评定: the monthly points sheets under ``unit`` for the months of ``window``."""
    return (PointsSheet.objects.filter(in_subtree(unit, "unit"), month__range=window.range)
            .select_related("unit").order_by("month", "unit__path"))


def points_published(unit: OrgUnit, window: Window) -> QuerySet[PointsSheet]:
    """积分公示: the sheets of :func:`points_sheets` that reached 公示 (:data:`PUBLISHED_STATES`)."""
    return points_sheets(unit, window).filter(state__in=PUBLISHED_STATES)


def points_states_by_unit(unit: OrgUnit, window: Window) -> dict[int, dict[dt.date, str]]:
    """``{branch: {month: state}}`` for the sheets of :func:`points_sheets` (one query)."""
    states: dict[int, dict[dt.date, str]] = defaultdict(dict)
    for unit_id, month, state in points_sheets(unit, window).values_list("unit_id", "month", "state"):
        states[unit_id][month] = state
    return states



def payment_dates(unit: OrgUnit, period: Period) -> dict[tuple[int, dt.date], list[dt.date]]:
    """``{(person, month): [paid_on, …]}`` of the live payments counted by :func:`ledger_rows`
    (one query): the days a printed sheet shows beside each month."""
    people = _dues_in(unit, period.start, period.end).values("person_id")
    dates: dict[tuple[int, dt.date], list[dt.date]] = defaultdict(list)
    rows = (live_payments().filter(month__gte=period.start, month__lte=period.end, person_id__in=people)
            .order_by("paid_on").values_list("person_id", "month", "paid_on"))
    for person_id, month, paid_on in rows:
        dates[(person_id, month)].append(paid_on)
    return dates
