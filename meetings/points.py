"""The automatic 积分 items that come from attendance (domain-rules.md, member points):

* 出席 a 党员大会 / 党课 / 主题党日 / 党小组会 / 组织生活会: once per meeting attended;
* 无故缺席 (absent without leave) at any meeting;
* 补学 completed for an excused absence, counted in the month it was completed.

Only confirmed meetings count, as in the compliance engine. ``meetings`` and ``dues`` sit side by
side in the stack, so ``reports`` (above both) registers these counts with the points scoring of
``dues`` in ``ReportsConfig.ready``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from branches.models import OrgUnit, in_subtree
from branches.periods import Period

from .models import Attendance, AttendanceStatus, MeetingKind, MeetingStatus

SCORED_KINDS = (MeetingKind.GENERAL, MeetingKind.LECTURE, MeetingKind.THEME_DAY, MeetingKind.GROUP, MeetingKind.LIFE)


def _counts(rows: object) -> dict[int, int]:
    return {row["person_id"]: row["n"] for row in rows}


def _confirmed_in(unit: OrgUnit, person_ids: list[int]) -> object:
    return Attendance.objects.filter(in_subtree(unit, "meeting__unit"),
        meeting__status=MeetingStatus.CONFIRMED, person_id__in=person_ids,
    )


def attendance_counts(unit: OrgUnit, month: dt.date, person_ids: list[int]) -> dict[int, int]:
    period = Period.month_of(month)
    rows = _confirmed_in(unit, person_ids).filter(
        status=AttendanceStatus.PRESENT, meeting__kind__in=SCORED_KINDS,
        meeting__date__range=(period.start, period.end),
    )
    return _counts(rows.values("person_id").annotate(n=Count("meeting_id", distinct=True)))


def absence_counts(unit: OrgUnit, month: dt.date, person_ids: list[int]) -> dict[int, int]:
    period = Period.month_of(month)
    rows = _confirmed_in(unit, person_ids).filter(
        status=AttendanceStatus.ABSENT, meeting__date__range=(period.start, period.end),
    )
    return _counts(rows.values("person_id").annotate(n=Count("meeting_id", distinct=True)))


def makeup_counts(unit: OrgUnit, month: dt.date, person_ids: list[int]) -> dict[int, int]:
    period = Period.month_of(month)
    rows = _confirmed_in(unit, person_ids).filter(
        status=AttendanceStatus.LEAVE, makeup_on__range=(period.start, period.end),
    )
    return _counts(rows.values("person_id").annotate(n=Count("meeting_id", distinct=True)))

