"""A meeting's attendance: the sheet, one person's status, observers (列席), 补学."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches.forms import add_service_errors
from branches.models import UnitKind, today
from members.models import Membership, Person

from .. import selectors, services
from ..forms import MakeupForm
from ..models import EXPECTED_STATUSES, Attendance, AttendanceStatus, Meeting, MeetingStatus
from ._common import SECTION, form_page


def _attendance_context(meeting: Meeting, user: Any) -> dict[str, Any]:
    rows = list(meeting.attendance.select_related("person").order_by("person__pinyin", "person_id"))
    expected = [r for r in rows if r.status in EXPECTED_STATUSES]
    return {
        "meeting": meeting, "rows": expected, "observers": [r for r in rows if r.status == AttendanceStatus.OBSERVER],
        "present": sum(1 for r in expected if r.status == AttendanceStatus.PRESENT),
        "leave": sum(1 for r in expected if r.status == AttendanceStatus.LEAVE),
        "absent": sum(1 for r in expected if r.status == AttendanceStatus.ABSENT),
        "editable": meeting.status != MeetingStatus.VOID and access.can_edit(user, meeting.unit),
        "amending": meeting.is_confirmed,
        "can_edit": access.can_edit(user, meeting.unit),
        "statuses": [(s, AttendanceStatus(s).label) for s in EXPECTED_STATUSES],
    }


@require_GET
@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_view(request.user, pk)
    context = _attendance_context(meeting, request.user)
    if context["editable"] and meeting.is_draft:
        branch = meeting.unit.parent if meeting.unit.kind == UnitKind.GROUP else meeting.unit
        taken = {r.person_id for r in context["rows"]} | {r.person_id for r in context["observers"]}
        candidates = Person.objects.filter(
            memberships__in=Membership.objects.active_on(meeting.date).filter(unit=branch)
        ).exclude(pk__in=taken).order_by("pinyin").distinct()
        context["candidates"] = candidates
    context["nav_section"] = SECTION
    return render(request, "meetings/attendance.html", context)


@require_POST
@login_required
def attendance_set(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    """Toggle one person (htmx returns the row; without JavaScript, back to the page)."""
    meeting = selectors.meeting_for_edit(request.user, pk)
    row = get_object_or_404(Attendance, meeting=meeting, person_id=person_id)
    status = request.POST.get("status", "")
    error = ""
    if status not in EXPECTED_STATUSES:
        error = "请选择出席、请假或缺席。"
    else:
        reason = request.POST.get(f"reason-{person_id}", request.POST.get("reason", ""))
        try:
            row = services.attendance_set(actor=request.user, meeting=meeting, person=row.person, status=status,
                                          reason=reason, amend_reason=request.POST.get("amend_reason", ""))
        except ValidationError as exc:
            error = "；".join(exc.messages)
            row.refresh_from_db()
    if request.htmx:
        context = _attendance_context(meeting, request.user)
        context.update({"row": row, "error": error})
        return render(request, "meetings/_attendance_row.html", context)
    if error:
        messages.error(request, f"{row.person.name}：{error}")
    return redirect("meetings:attendance", pk=meeting.pk)


@require_POST
@login_required
def attendance_observer(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_edit(request.user, pk)
    if not meeting.is_draft:  # the page offers no observer form then: say why instead of asking for a reason
        messages.error(request, "会议记录已确认锁定或已作废，不能再添加列席人员。")
        return redirect("meetings:attendance", pk=meeting.pk)
    branch = meeting.unit.parent if meeting.unit.kind == UnitKind.GROUP else meeting.unit
    person_id = request.POST.get("person", "")
    person = Person.objects.filter(
        pk=person_id if person_id.isdecimal() else 0,
        memberships__in=Membership.objects.active_on(meeting.date).filter(unit=branch),
    ).first()
    if person is None:
        messages.error(request, "请选择本支部的人员。")
    else:
        try:
            services.attendance_set(actor=request.user, meeting=meeting, person=person,
                                    status=AttendanceStatus.OBSERVER)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已添加列席人员{person.name}。")
    return redirect("meetings:attendance", pk=meeting.pk)


@require_http_methods(["GET", "POST"])
@login_required
def makeup(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    meeting = selectors.meeting_for_edit(request.user, pk)
    row = get_object_or_404(Attendance, meeting=meeting, person_id=person_id)
    form = MakeupForm(request.POST or None, initial={"on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.makeup_record(actor=request.user, attendance=row, on=form.cleaned_data["on"],
                                   note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已登记{row.person.name}的补学。")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "form_page.html", {**form_page(meeting),
        "form": form, "meeting": meeting, "title": f"登记补学 · {row.person.name}", "submit": "保存",
        "nav_section": SECTION})
