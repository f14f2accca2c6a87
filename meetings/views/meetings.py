"""The meeting ledger: list (and its Word print), create, detail, edit, amend, confirm, void, a meeting's Word record."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches.forms import add_service_errors
from branches.history import history_rows, versions_of
from branches.models import OrgUnit, UnitKind, today
from branches.paging import get_page
from branches.periods import Period

from .. import selectors, services
from ..documents import meeting_record_docx
from ..filters import MeetingFilter
from ..forms import AmendForm, AttachmentForm, MeetingForm, VoidForm
from ..models import EXPECTED_STATUSES, AttendanceStatus, Meeting, MeetingKind, MeetingStatus
from ._common import SECTION, form_page, unit_param

PAGE_SIZE = 30

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

MAX_PRINT = 200


def _list_filter(request: HttpRequest) -> MeetingFilter:
    return MeetingFilter(request, unit_param(request, default_home=False))


@require_GET
@login_required
def meeting_list_docx(request: HttpRequest) -> HttpResponse:
    """The 会议记录 of every meeting in the filtered list (oldest first), one page each."""
    meetings = list(_list_filter(request).qs.order_by("date", "id")[:MAX_PRINT])
    if not meetings:
        messages.info(request, "没有可打印的会议记录。")
        return redirect(f"{reverse('meetings:list')}?{request.GET.urlencode()}")
    response = HttpResponse(meeting_record_docx(meetings), content_type=DOCX)
    response["Content-Disposition"] = _attachment_name(f"会议记录_{today():%Y%m%d}.docx")
    return response


@require_GET
@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    filters = _list_filter(request)
    unit, period = filters.unit, filters.period_value
    page = get_page(filters.qs, request.GET.get("page"), PAGE_SIZE, subjects=("meetings", "units"))
    page.object_list = selectors.attach_counts(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    export_unit = unit or (access.home_units(request.user) or [None])[0]
    context = {
        "page": page, "unit": unit, "kind": filters.value("kind") or "", "status": filters.value("status") or "",
        "q": filters.search_text,
        "period": str(period) if period else "", "query": query.urlencode(),
        "units": selectors.meeting_units(request.user, edit=False) | access.visible_units(request.user).filter(
            kind__in=(UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH)),
        "kinds": MeetingKind.choices, "statuses": MeetingStatus.choices,
        "can_create": selectors.meeting_units(request.user, edit=True).exists(),
        "export_unit": export_unit, "export_period": str(period or Period.containing(today(), "year")),
        "nav_section": SECTION,
    }
    template = "meetings/_list_table.html" if request.htmx else "meetings/list.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    units = selectors.meeting_units(request.user, edit=True)
    if not units.exists():
        raise PermissionDenied("您的账号只能查看，不能录入会议。")
    initial: dict[str, Any] = {"date": today()}
    if request.GET.get("unit", "").isdecimal():
        initial["unit"] = units.filter(pk=request.GET["unit"]).first()
    else:
        initial["unit"] = units.filter(kind=UnitKind.BRANCH).first()
    if request.GET.get("kind") in MeetingKind.values:
        initial["kind"] = request.GET["kind"]
    form = MeetingForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=request.user, unit=form.cleaned_data["unit"],
                                              **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存为草稿，应到{meeting.attendance.count()}人已默认出席，请登记请假和缺席。")
            return redirect("meetings:attendance", pk=meeting.pk)
    return render(request, "meetings/form.html", {"form": form, "title": "录入会议", "nav_section": SECTION})


@require_GET
@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_page(request.user, pk)
    rows = list(meeting.attendance.select_related("person").order_by("status", "person__pinyin"))
    counts = {status: sum(1 for r in rows if r.status == status) for status in AttendanceStatus.values}
    context = {
        "meeting": meeting,
        "can_edit": access.can_edit(request.user, meeting.unit),
        "rows": rows,
        "counts": counts,
        "expected": sum(counts[s] for s in EXPECTED_STATUSES),
        "exceptions": [r for r in rows if r.status != AttendanceStatus.PRESENT],
        **selectors.meeting_parts(meeting),
        "attachment_form": AttachmentForm(),
        "history": history_rows(versions_of(meeting).select_related("history_user"), 20),
        "nav_section": SECTION,
    }
    return render(request, "meetings/detail.html", context)


def _is_stale(exc: ValidationError) -> bool:
    """Someone else saved the meeting meanwhile. The form is re-rendered from this user's POST, so
    what they typed stays on the page; the template links to the current record."""
    return any(getattr(error, "code", None) == "stale" for error in getattr(exc, "error_list", []))


@require_http_methods(["GET", "POST"])
@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_edit(request.user, pk)
    if meeting.status == MeetingStatus.CONFIRMED:
        return redirect("meetings:amend", pk=meeting.pk)
    if meeting.status == MeetingStatus.VOID:
        raise PermissionDenied("该会议记录已作废。")
    form = MeetingForm(request.POST or None, instance=meeting, units=OrgUnit.objects.filter(pk=meeting.unit_id),
                       lock_unit=True)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(actor=request.user, meeting=meeting, expected_version=form.expected_version,
                                    **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
            stale = _is_stale(exc)
        else:
            messages.success(request, "已保存。")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/form.html", {
        "form": form, "meeting": meeting, "title": f"编辑草稿 · {meeting.topic}", "stale": stale, "nav_section": SECTION})


@require_http_methods(["GET", "POST"])
@login_required
def meeting_amend(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_edit(request.user, pk)
    if meeting.status != MeetingStatus.CONFIRMED:
        return redirect("meetings:edit", pk=meeting.pk)
    original = Meeting.objects.get(pk=meeting.pk)
    form = AmendForm(request.POST or None, instance=meeting, units=OrgUnit.objects.filter(pk=meeting.unit_id),
                     lock_unit=True)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_amend(actor=request.user, meeting=original, reason=form.cleaned_data["reason"],
                                   expected_version=form.expected_version, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
            stale = _is_stale(exc)
        else:
            messages.success(request, "已更正，原记录内容保留在更正记录中。")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/form.html", {"form": form, "meeting": original, "amend": True, "stale": stale,
                                                  "title": f"更正会议记录 · {original.topic}", "nav_section": SECTION})


@require_POST
@login_required
def meeting_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_edit(request.user, pk)
    try:
        services.meeting_confirm(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "会议记录已确认并锁定，已计入组织生活统计。")
    return redirect("meetings:detail", pk=meeting.pk)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_void(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_edit(request.user, pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_void(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已作废，记录保留但不再计入统计。")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "form_page.html", {**form_page(meeting),
        "form": form, "meeting": meeting, "title": f"作废会议记录 · {meeting.topic}", "submit": "作废", "danger": True,
        "nav_section": SECTION})


@require_GET
@login_required
def meeting_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_view(request.user, pk)
    response = HttpResponse(meeting_record_docx([meeting]), content_type=DOCX)
    response["Content-Disposition"] = _attachment_name(f"会议记录_{meeting.number}.docx")
    return response


def _attachment_name(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"
