"""The month calendar of a unit's meetings."""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from branches import access
from branches.models import UnitKind, today
from branches.periods import Period, period_param

from .. import selectors
from ..models import Meeting, MeetingKind
from ._common import SECTION, unit_param


@require_GET
@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    unit = unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    month = period_param(request, default=Period.month_of(today()), kinds=("month",))
    committee_level = unit.kind in (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH)
    with_groups = request.GET.get("groups") == "1" or not committee_level
    meetings = selectors.meeting_list(user=request.user, unit=unit, start=month.start, end=month.end)
    if not with_groups:  # a committee's month is busy: 党小组会 only on request
        meetings = meetings.exclude(kind=MeetingKind.GROUP)
    meetings = list(meetings.order_by("date", "start_time", "unit__code"))
    by_day: dict[dt.date, list[Meeting]] = {}
    for meeting in meetings:
        by_day.setdefault(meeting.date, []).append(meeting)
    per_day = 4 if committee_level else 8
    weeks = [
        [{"day": day, "in_month": day.month == month.index, "meetings": by_day.get(day, [])[:per_day],
          "more": max(0, len(by_day.get(day, [])) - per_day), "today": day == today()} for day in week]
        for week in calendar_module.Calendar(firstweekday=0).monthdatescalendar(month.year, month.index)
    ]
    context = {
        "unit": unit, "month": month, "weeks": weeks, "meetings": meetings,
        "previous": str(month.previous()), "next": str(month.next()),
        "weekdays": "一二三四五六日", "show_unit": unit.kind != UnitKind.BRANCH or unit.children.exists(),
        "units": access.visible_units(request.user).exclude(kind=UnitKind.GROUP).filter(archived_on__isnull=True),
        "can_create": access.can_edit(request.user, unit), "nav_section": SECTION,
        "committee_level": committee_level, "with_groups": with_groups,
    }
    return render(request, "meetings/calendar.html", context)
