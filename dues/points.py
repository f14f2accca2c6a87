"""积分: monthly scoring per member under a dated scheme, the workflow
自评 → 支部评定 → 公示 (a window of working days, objections recorded) → 确认 (locked),
and totals, stars and rankings.

Automatic items come from *providers*: a function ``(unit, month, person_ids) → {person id: count}``
registered for a :class:`PointsSource`. This module registers the late-dues provider (from the dues
ledger). The attendance providers (出席, 无故缺席, 补学) are ``meetings.points``; ``reports`` registers
them in its ``AppConfig.ready`` (``meetings`` and ``dues`` do not import each other). An item with no
provider is listed as "not connected" and never invented.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from branches import caching
from branches.models import OrgUnit, UnitKind, in_subtree, today
from branches.periods import Period, first_of_month
from branches.services import save_with_history
from members.models import Person

from .models import (
    AUTOMATIC_SOURCES,
    DuesDue,
    Payment,
    PaymentKind,
    PointsEntry,
    PointsItem,
    PointsObjection,
    PointsScheme,
    PointsSheet,
    PointsSource,
)
from .selectors import owing_units

State = PointsSheet.State
PointsProvider = Callable[[OrgUnit, dt.date, list[int]], dict[int, int]]
_PROVIDERS: dict[str, PointsProvider] = {}


def register_points_source(source: str, provider: PointsProvider) -> None:
    """Connect an automatic item source (e.g. meetings attendance) to the scoring."""
    if source not in AUTOMATIC_SOURCES:
        raise ValueError(f"unknown automatic source {source!r}")
    _PROVIDERS[source] = provider


def connected_sources() -> set[str]:
    return set(_PROVIDERS)


def late_dues_counts(unit: OrgUnit, month: dt.date, person_ids: list[int]) -> dict[int, int]:
    """−2 per month overdue: 1 for a member whose dues for ``month`` were not fully paid by the
    month's last day. Nothing is counted before the month has ended."""
    end = Period.month_of(month).end
    if today() <= end:
        return {}
    due = dict(DuesDue.objects.filter(month=month, person_id__in=person_ids, amount__gt=0)
               .values_list("person_id", "amount"))
    paid = dict(
        Payment.objects.filter(month=month, person_id__in=list(due), kind=PaymentKind.REGULAR,
                               voided_at__isnull=True, paid_on__lte=end)
        .values("person_id").annotate(total=Sum("amount")).values_list("person_id", "total")
    )
    return {pid: 1 for pid, amount in due.items() if (paid.get(pid) or 0) < amount}


register_points_source(PointsSource.LATE_DUES, late_dues_counts)


# ---------------------------------------------------------------------------------------------
# Working days and schemes


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day (Mon–Fri) counting ``start`` itself if it is one. Public
    holidays are not known to the portal; a secretary can extend by publishing later."""
    day, counted = start, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted >= days:
                return day
        day += dt.timedelta(days=1)


def scheme_for(day: dt.date) -> PointsScheme:
    """The scheme in force on 1 January of ``day``'s year (a year is scored under one scheme)."""
    scheme = PointsScheme.objects.in_force(dt.date(day.year, 1, 1)).first()
    if scheme is None:
        raise ValidationError(f"{day.year}年没有适用的积分方案，请管理员先设置积分方案。")
    return scheme


def sheet_people(unit: OrgUnit, month: dt.date) -> list[Person]:
    """The members scored in ``unit`` for ``month``: those the branch holds that month (the same
    month rule as dues)."""
    ids = list(owing_units(month, unit=unit))
    return list(Person.objects.filter(pk__in=ids).order_by("pinyin", "pk"))


# ---------------------------------------------------------------------------------------------
# Writes


@transaction.atomic
def points_sheet_open(*, actor: Any, unit: OrgUnit, month: dt.date) -> PointsSheet:
    if unit.kind != UnitKind.BRANCH:
        raise ValidationError("积分按党支部逐月评定。")
    month = first_of_month(month)
    if month > today():
        raise ValidationError("不能评定尚未开始的月份。")
    sheet = PointsSheet.objects.filter(unit=unit, month=month).first()
    if sheet is None:
        sheet = PointsSheet(unit=unit, month=month, scheme=scheme_for(month))
        save_with_history(sheet, actor)
    caching.bump("points")
    return sheet


def _require_open(sheet: PointsSheet) -> None:
    if sheet.is_locked:
        raise ValidationError(f"{sheet.month:%Y年%m月}积分已{sheet.get_state_display()}，不能修改。")


@dataclass
class AutomaticOutcome:
    counted: dict[str, int] = field(default_factory=dict)  # item name → members scored
    not_connected: list[str] = field(default_factory=list)


@transaction.atomic
def points_compute_automatic(*, actor: Any, sheet: PointsSheet) -> AutomaticOutcome:
    """(Re)compute the automatic items of the month: replaces the previous automatic entries."""
    _require_open(sheet)
    people = [p.pk for p in sheet_people(sheet.unit, sheet.month)]
    outcome = AutomaticOutcome()
    for item in sheet.scheme.items.filter(source__in=AUTOMATIC_SOURCES):
        provider = _PROVIDERS.get(item.source)
        if provider is None:
            outcome.not_connected.append(item.name)
            continue
        counts = provider(sheet.unit, sheet.month, people)
        sheet.entries.filter(item=item, automatic=True).delete()
        PointsEntry.objects.bulk_create([
            PointsEntry(sheet=sheet, person_id=pid, item=item, count=count, points=item.points * count,
                        automatic=True, note=item.note[:200])
            for pid, count in counts.items() if count > 0 and pid in people
        ])
        outcome.counted[item.name] = sum(1 for count in counts.values() if count > 0)
    caching.bump("points")
    return outcome


@transaction.atomic
def points_entry_add(
    *, actor: Any, sheet: PointsSheet, person: Person, item: PointsItem, note: str, points: Decimal | None = None,
    count: int = 1, self_reported: bool = False,
) -> PointsEntry:
    """A manual item (讲党课, 志愿服务 …) with the branch's note."""
    _require_open(sheet)
    if item.scheme_id != sheet.scheme_id:
        raise ValidationError({"item": "该项目不属于本月适用的积分方案。"})
    if item.source != PointsSource.MANUAL:
        raise ValidationError({"item": f"“{item.name}”自动计算，不能手工录入。"})
    if self_reported and sheet.state != State.SELF:
        raise ValidationError("党员自评阶段已结束。")
    if not note.strip():
        raise ValidationError({"note": "请填写说明（时间、事项）。"})
    if count < 1:
        raise ValidationError({"count": "次数至少为1。"})
    if person.pk not in {p.pk for p in sheet_people(sheet.unit, sheet.month)}:
        raise ValidationError({"person": f"{person.name}本月不在{sheet.unit.name}。"})
    each = item.points if points is None else Decimal(points)
    low = item.min_points if item.min_points is not None else item.points
    high = item.max_points if item.max_points is not None else item.points
    if not low <= each <= high:
        raise ValidationError({"points": f"“{item.name}”每次分值应在{low}到{high}之间。"})
    entry = PointsEntry(sheet=sheet, person=person, item=item, count=count, points=each * count, note=note.strip(),
                        self_reported=self_reported, created_by=actor if getattr(actor, "pk", None) else None)
    save_with_history(entry, actor)
    caching.bump("points")
    return entry


@transaction.atomic
def points_entry_remove(*, actor: Any, entry: PointsEntry) -> None:
    _require_open(entry.sheet)
    if entry.automatic:
        raise ValidationError("自动计算的项目请重新计算，不能单独删除。")
    entry._history_user = actor
    entry.delete()
    caching.bump("points")


def _check_month_over(sheet: PointsSheet, on: dt.date, early_reason: str, action: str) -> None:
    """A month is scored (评定) and published (公示) once it is over: until its last day has passed,
    its meetings and dues still move. Before, only with a reason (提前评定), kept on the sheet and
    shown with it; a sheet that already carries one needs no second."""
    end = Period.month_of(sheet.month).end
    if end < on or sheet.early_reason:
        return
    reason = early_reason.strip()
    if not reason:
        raise ValidationError({"early_reason": f"{sheet.month.month}月尚未结束（{end.month}月{end.day}日截止），"
                                               f"本月积分不能{action}；如确需提前{action}，请填写原因。"})
    if "\x00" in reason or len(reason) > PointsSheet._meta.get_field("early_reason").max_length:
        raise ValidationError({"early_reason": "提前评定原因不能超过300字，也不能包含空字符。"})
    sheet.early_reason = reason


@transaction.atomic
def points_sheet_review(*, actor: Any, sheet: PointsSheet, early_reason: str = "") -> PointsSheet:
    """自评 → 支部评定 (also back from 公示 when an objection is upheld). Moving on from 自评
    before the month is over needs ``early_reason``."""
    if sheet.state not in (State.SELF, State.PUBLIC):
        raise ValidationError(f"当前状态“{sheet.get_state_display()}”不能转入支部评定。")
    if sheet.state == State.PUBLIC and sheet.objections.filter(answered_on__isnull=True).exists():
        raise ValidationError("请先答复公示期间的异议。")
    if sheet.state == State.SELF:
        _check_month_over(sheet, today(), early_reason, "评定")
    sheet.state, sheet.published_on, sheet.publication_ends_on = State.REVIEW, None, None
    save_with_history(sheet, actor)
    caching.bump("points")
    return sheet


@transaction.atomic
def points_sheet_publish(*, actor: Any, sheet: PointsSheet, on: dt.date | None = None,
                         early_reason: str = "") -> PointsSheet:
    """支部评定 → 公示 for the scheme's number of working days; before the month is over only
    with ``early_reason`` (or one already given when it was scored)."""
    if sheet.state != State.REVIEW:
        raise ValidationError("只有支部评定后的积分才能公示。")
    on = on or today()
    _check_month_over(sheet, on, early_reason, "公示")
    sheet.state, sheet.published_on = State.PUBLIC, on
    sheet.publication_ends_on = add_working_days(on, sheet.scheme.publication_days)
    save_with_history(sheet, actor)
    caching.bump("points")
    return sheet


@transaction.atomic
def points_objection_record(
    *, actor: Any, sheet: PointsSheet, person: Person, text: str, raised_on: dt.date | None = None,
    concerning: Person | None = None,
) -> PointsObjection:
    raised_on = raised_on or today()
    if sheet.state != State.PUBLIC:
        raise ValidationError("只能在公示期间登记异议。")
    if raised_on < sheet.published_on or raised_on > sheet.publication_ends_on:
        raise ValidationError(f"公示期为{sheet.published_on:%Y-%m-%d}至{sheet.publication_ends_on:%Y-%m-%d}。")
    if not text.strip():
        raise ValidationError({"text": "请填写异议内容。"})
    objection = PointsObjection(sheet=sheet, person=person, concerning=concerning, text=text.strip(),
                                raised_on=raised_on, recorded_by=actor if getattr(actor, "pk", None) else None)
    save_with_history(objection, actor)
    caching.bump("points")
    return objection


@transaction.atomic
def points_objection_answer(*, actor: Any, objection: PointsObjection, answer: str,
                            on: dt.date | None = None) -> PointsObjection:
    if objection.sheet.state == State.CONFIRMED:
        raise ValidationError("积分已确认，不能修改。")
    if not answer.strip():
        raise ValidationError({"answer": "请填写处理结果。"})
    objection.answer, objection.answered_on = answer.strip(), on or today()
    save_with_history(objection, actor)
    caching.bump("points")
    return objection


@transaction.atomic
def points_sheet_confirm(*, actor: Any, sheet: PointsSheet, on: dt.date | None = None) -> PointsSheet:
    """公示 → 确认 once the window has passed and every objection has an answer; then locked."""
    on = on or today()
    if sheet.state != State.PUBLIC:
        raise ValidationError("只有公示后的积分才能确认。")
    if on <= sheet.publication_ends_on:
        raise ValidationError(f"公示期至{sheet.publication_ends_on:%Y-%m-%d}，期满后才能确认。")
    if sheet.objections.filter(answered_on__isnull=True).exists():
        raise ValidationError("还有未答复的异议。")
    sheet.state, sheet.confirmed_on = State.CONFIRMED, on
    sheet.confirmed_by = actor if getattr(actor, "pk", None) else None
    save_with_history(sheet, actor)
    caching.bump("points")
    return sheet


# ---------------------------------------------------------------------------------------------
# Totals, stars, rankings


@dataclass
class PersonPoints:
    person_id: int
    name: str
    unit_id: int
    base: Decimal
    monthly: dict[dt.date, Decimal] = field(default_factory=dict)
    items: dict[int, Decimal] = field(default_factory=dict)  # item id → capped year-to-date sum
    vetoed: bool = False
    total: Decimal = Decimal("0")
    stars: int = 0
    rank: int = 0

    @property
    def flagged(self) -> bool:
        return self.stars == 0

    @property
    def star_text(self) -> str:
        return "★" * self.stars if self.stars else "预警"


def stars_for(scheme: PointsScheme, total: Decimal) -> int:
    for threshold, stars in sorted(scheme.stars, key=lambda pair: -pair[0]):
        if total >= Decimal(str(threshold)):
            return int(stars)
    return 0


def points_totals(unit: OrgUnit, period: Period, *, confirmed_only: bool = True) -> list[PersonPoints]:
    """Year-to-date totals at the end of ``period`` for the members scored in ``unit``'s subtree:
    base points + every item (each capped by its yearly cap) — or 0 after a 一票否决 item —,
    with stars and the rank inside each branch."""
    year_start = dt.date(period.year, 1, 1)
    scheme = scheme_for(year_start)
    sheets = PointsSheet.objects.filter(in_subtree(unit, "unit"), month__gte=year_start,
                                        month__lte=period.end)
    if confirmed_only:
        sheets = sheets.filter(state=State.CONFIRMED)
    sheets = list(sheets)
    people: dict[int, PersonPoints] = {}
    names: dict[int, str] = {}
    for sheet in sheets:
        for pid, uid in owing_units(sheet.month, unit=sheet.unit).items():
            people.setdefault(pid, PersonPoints(pid, "", uid, scheme.base_points))
            people[pid].unit_id = uid
    entries = PointsEntry.objects.filter(sheet__in=sheets).values_list(
        "person_id", "sheet__month", "sheet__unit_id", "item_id", "points"
    )
    items = {item.pk: item for item in PointsItem.objects.filter(Q(scheme=scheme) | Q(entries__sheet__in=sheets))}
    raw: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for pid, month, uid, item_id, points in entries:
        person = people.setdefault(pid, PersonPoints(pid, "", uid, scheme.base_points))
        person.monthly[month] = person.monthly.get(month, Decimal("0")) + points
        raw[pid][item_id] += points
        if items[item_id].veto:
            person.vetoed = True
    names.update(Person.objects.filter(pk__in=list(people)).values_list("pk", "name"))
    for person in people.values():
        person.name = names.get(person.person_id, "")
        for item_id, points in raw[person.person_id].items():
            cap = items[item_id].year_cap
            person.items[item_id] = min(points, cap) if cap is not None and points > 0 else points
        person.total = Decimal("0") if person.vetoed else person.base + sum(person.items.values(), Decimal("0"))
        person.stars = stars_for(scheme, person.total)
    by_unit: dict[int, list[PersonPoints]] = defaultdict(list)
    for person in people.values():
        by_unit[person.unit_id].append(person)
    for members in by_unit.values():
        members.sort(key=lambda p: (-p.total, p.name))
        previous, rank = None, 0
        for position, person in enumerate(members, start=1):
            if person.total != previous:
                rank, previous = position, person.total
            person.rank = rank
    return sorted(people.values(), key=lambda p: (p.unit_id, p.rank, p.name))
