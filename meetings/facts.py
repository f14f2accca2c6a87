"""Facts of organisational life: meetings held by kind, 谈心谈话, 民主评议 grades, attendance and
the compliance verdicts, for a subtree and a window (the facts layer: ``branches/facts.py``; the
catalogue of figures: ``docs/figures.md``).

Only confirmed meetings count (drafts and voided records do not); a 主题党日 also held as a 党课 or
党员大会 counts as one (``models.counts_as_q``), as the compliance engine counts it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet

from branches.facts import Window, units_on_path
from branches.models import OrgUnit, UnitKind, in_subtree, today
from branches.periods import Period

from .compliance import Report, UnitResult, evaluate, evaluate_periods
from .models import (
    EXPECTED_STATUSES,
    AppraisalResult,
    Attendance,
    AttendanceStatus,
    LecturerRole,
    Meeting,
    MeetingStatus,
    Talk,
    counts_as_q,
)
from .selectors import BranchGrid, branch_grid

# ---------------------------------------------------------------------------------------------
# Records


def meetings_held(unit: OrgUnit, window: Window, kind: str, *, secretary: bool = False) -> QuerySet[Meeting]:
    """The confirmed meetings under ``unit`` within ``window`` that count as ``kind``
    (``counts_as_q``); with ``secretary``, the 党课 the branch secretary gave (书记讲党课)."""
    meetings = Meeting.objects.filter(in_subtree(unit, "unit"), counts_as_q(kind), status=MeetingStatus.CONFIRMED,
                                      date__range=window.range)
    if secretary:
        meetings = meetings.filter(lecturer_role=LecturerRole.SECRETARY)
    return meetings.select_related("unit").order_by("date", "id")


def talks(unit: OrgUnit, window: Window) -> QuerySet[Talk]:
    """谈心谈话 recorded under ``unit`` within ``window`` (not voided), one row per talk."""
    return (Talk.objects.filter(in_subtree(unit, "unit"), date__range=window.range, voided_at__isnull=True)
            .select_related("unit", "officer", "member").order_by("date", "id"))


def appraisals(unit: OrgUnit, window: Window, grade: str) -> QuerySet[AppraisalResult]:
    """民主评议党员 results of ``grade`` at confirmed 民主评议 meetings under ``unit`` within ``window``."""
    return (AppraisalResult.objects.filter(in_subtree(unit, "meeting__unit"), grade=grade,
                                           meeting__status=MeetingStatus.CONFIRMED, meeting__date__range=window.range)
            .select_related("person", "meeting__unit").order_by("meeting__date", "id"))


# ---------------------------------------------------------------------------------------------
# Attendance


@dataclass
class AttendanceCounts:
    """Attendance at confirmed meetings: 应到 (``expected``: 出席 + 请假 + 缺席; 列席 are outside
    it), 实到 (``present``), 请假, 缺席, and the 出勤率 实到 ÷ 应到."""

    present: int = 0
    leave: int = 0
    absent: int = 0

    @property
    def expected(self) -> int:
        return self.present + self.leave + self.absent

    @property
    def rate(self) -> Decimal | None:
        """出勤率 as an exact percentage (scores are computed from it); None when nobody was expected."""
        if not self.expected:
            return None
        return Decimal(self.present) * 100 / Decimal(self.expected)

    @property
    def percent(self) -> Decimal | None:
        """:attr:`rate` with one decimal, as pages show it."""
        return None if self.rate is None else self.rate.quantize(Decimal("0.1"))

    def add(self, status: str, n: int) -> None:
        if status == AttendanceStatus.PRESENT:
            self.present += n
        elif status == AttendanceStatus.LEAVE:
            self.leave += n
        elif status == AttendanceStatus.ABSENT:
            self.absent += n


def attendance_records(unit: OrgUnit, window: Window) -> QuerySet[Attendance]:
    """The attendance rows of the people expected (应到) at confirmed meetings under ``unit``
    within ``window``: what :func:`attendance` counts."""
    return (Attendance.objects.filter(in_subtree(unit, "meeting__unit"), status__in=EXPECTED_STATUSES,
                                      meeting__status=MeetingStatus.CONFIRMED, meeting__date__range=window.range)
            .select_related("meeting__unit", "person").order_by("meeting__date", "meeting_id", "id"))


def attendance_by_unit(root: OrgUnit, units: Iterable[OrgUnit], window: Window) -> dict[int, AttendanceCounts]:
    """:func:`attendance` of each of ``units`` (all under ``root``), each over its own subtree (a
    党支部's includes its 党小组's meetings), in one query."""
    result = {unit.pk: AttendanceCounts() for unit in units}
    rows = (attendance_records(root, window).select_related(None).order_by()
            .values("meeting__unit__path", "status").annotate(n=Count("id")))
    for row in rows:
        for unit_id in units_on_path(row["meeting__unit__path"], result):
            result[unit_id].add(row["status"], row["n"])
    return result


def attendance(unit: OrgUnit, window: Window) -> AttendanceCounts:
    """应到 / 实到 / 请假 / 缺席 and 出勤率 over the confirmed meetings under ``unit`` within ``window``."""
    return attendance_by_unit(unit, [unit], window)[unit.pk]


# ---------------------------------------------------------------------------------------------
# Compliance (三会一课 and the other rules, meetings/compliance.py)


def compliance(root: OrgUnit, period: Period, *, on: dt.date | None = None, units: list[OrgUnit] | None = None,
               codes: set[str] | None = None) -> Report:
    """Per unit and rule: required, held, met / due / missing, judged window by window on ``on``
    (default today): a window closed unmet is missing even while the period runs, a window still
    open and unmet is due (进行中). The compliance engine, ``meetings.compliance.evaluate``."""
    return evaluate(root, period, on=on, units=units, codes=codes)


def compliance_periods(root: OrgUnit, periods: list[Period], *, on: dt.date | None = None,
                       units: list[OrgUnit] | None = None, codes: set[str] | None = None) -> list[Report]:
    """:func:`compliance` for several periods, reading the records once."""
    return evaluate_periods(root, periods, on=on, units=units, codes=codes)


def branch_compliance(root: OrgUnit, period: Period, on: dt.date | None = None) -> BranchGrid:
    """The committee grid and the home heat map: one row per 党支部 under ``root`` with a cell
    per rule, its 党小组's rules folded in taking the worst, and the branch's status; a cell
    未完成 while the period still runs is ``late`` (⚠)."""
    return branch_grid(root, period, on or today())


@dataclass
class BranchVerdict:
    """Whether a 党支部 kept to the rules in a period: its :func:`branch_compliance` row."""

    pk: int
    name: str
    code: str
    status: str  # met / due / missing
    missing: list[str] = field(default_factory=list)  # the rules it missed, by name
    missed: dict[str, list[str]] = field(default_factory=dict)  # rule name → the windows closed unmet (11月 …)

    @property
    def behind(self) -> bool:
        """未按规定开展组织生活: a window of a rule closed unmet (so also while the period runs)."""
        return self.status == "missing"

    @property
    def open(self) -> bool:
        """Nothing missed, but a window still open is not yet met (进行中)."""
        return self.status == "due"

    def describe(self) -> str:
        """未按期召开党小组会（10月、11月）、党课（第三季度）: what it missed, and when (a run of
        three or more months or quarters in a row said once: 1月至11月)."""
        return "、".join(f"{name}（{_runs(windows)}）" if windows else name for name, windows in self.missed.items())


_QUARTER_NUMERALS = "一二三四"


def _runs(windows: list[str]) -> str:
    """``["1月", "2月", "3月", "5月"]`` → ``"1月至3月、5月"``; quarters alike (第一至第三季度)."""
    def number(label: str) -> int | None:
        if label.endswith("月") and label[:-1].isdigit():
            return int(label[:-1])
        if len(label) == 4 and label.startswith("第") and label.endswith("季度") and label[1] in _QUARTER_NUMERALS:
            return _QUARTER_NUMERALS.index(label[1]) + 1
        return None

    parts: list[list[str]] = []
    for label in windows:
        previous = parts[-1][-1] if parts else None
        here, before = number(label), number(previous) if previous else None
        if (previous is not None and here is not None and before is not None and here == before + 1
                and label.endswith("季度") == previous.endswith("季度")):
            parts[-1].append(label)
        else:
            parts.append([label])
    said = []
    for run in parts:
        if len(run) < 3:
            said += run
        elif run[0].endswith("季度"):
            said.append(f"{run[0][:2]}至{run[-1]}")
        else:
            said.append(f"{run[0]}至{run[-1]}")
    return "、".join(said)


def branch_verdicts(root: OrgUnit, period: Period, on: dt.date | None = None) -> list[BranchVerdict]:
    """按规定开展组织生活 / 未按规定: each 党支部's status in :func:`branch_compliance`, by code."""
    grid = branch_compliance(root, period, on)
    verdicts = []
    for row in grid.rows:
        missed = {name: list(cell["missed"]) for (_, name), cell in zip(grid.columns, row["cells"], strict=True)
                  if cell and cell["status"] == "missing"}
        verdicts.append(BranchVerdict(row["unit"]["pk"], row["unit"]["name"], row["unit"]["code"], row["status"],
                                      list(missed), missed))
    return verdicts


def rule_holders(report: Report) -> dict[int, list[UnitResult]]:
    """Each 党支部's results in ``report``: its own first, then its 党小组's."""
    holders: dict[int, list[UnitResult]] = defaultdict(list)
    for result in report.units:  # by path: a branch before its groups
        if result.unit.kind == UnitKind.BRANCH:
            holders[result.unit.pk].insert(0, result)
        elif result.unit.kind == UnitKind.GROUP:
            holders[result.unit.parent_id].append(result)
    return holders
