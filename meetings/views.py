"""Meeting ledger, attendance, votes, calendar and compliance pages. Thin: selectors read, services
write, ``branches.access`` decides (404 outside the scope, 403 for read-only)."""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches.forms import add_service_errors
from branches.history import history_rows, versions_of
from branches.models import OrgUnit, UnitKind, today
from branches.paging import get_page, paged
from branches.periods import Period, PeriodError
from members.models import Membership, Person

from . import compliance, selectors, services
from .forms import (
    AmendForm,
    AttachmentForm,
    LocalRuleForm,
    MakeupForm,
    MeetingForm,
    RuleEndForm,
    TalkForm,
    VoidForm,
    VoteForm,
)
from .models import (
    EXPECTED_STATUSES,
    AppraisalGrade,
    Attendance,
    AttendanceStatus,
    ComplianceRule,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingStatus,
    Talk,
)

PAGE_SIZE = 30
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SECTION = "meetings"


def _unit_param(request: HttpRequest, *, default_home: bool = True) -> OrgUnit | None:
    """``?unit=`` (404 when outside the scope), else the user's first home unit."""
    value = request.GET.get("unit", "")
    if value:
        return access.unit_for_view(request.user, value)
    if default_home:
        homes = access.home_units(request.user)
        return homes[0] if homes else None
    return None


def _period_param(request: HttpRequest, default: Period) -> Period:
    try:
        return Period.parse(request.GET["period"]) if request.GET.get("period") else default
    except PeriodError as exc:
        raise Http404(str(exc)) from exc


# ---------------------------------------------------------------------------------------------
# Ledger


def _list_filters(request: HttpRequest) -> dict[str, Any]:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    period = _period_param(request, Period.containing(today(), "year")) if request.GET.get("period") else None
    return {
        "unit": _unit_param(request, default_home=False),
        "kind": kind if kind in MeetingKind.values else "",
        "status": status if status in MeetingStatus.values else "",
        "period": period,
        "q": request.GET.get("q", "").replace("\x00", "").strip()[:50],  # PostgreSQL refuses NUL in a query
    }


def _filtered(request: HttpRequest, filters: dict[str, Any]) -> Any:
    period = filters["period"]
    return selectors.meeting_list(
        user=request.user, unit=filters["unit"], kind=filters["kind"], status=filters["status"], q=filters["q"],
        start=period.start if period else None, end=period.end if period else None,
    )


MAX_PRINT = 200


@require_GET
@login_required
def meeting_list_docx(request: HttpRequest) -> HttpResponse:
    """The 会议记录 of every meeting in the filtered list (oldest first), one page each."""
    from .documents import meeting_record_docx

    meetings = list(_filtered(request, _list_filters(request)).select_related("unit").order_by("date", "id")[:MAX_PRINT])
    if not meetings:
        messages.info(request, "没有可打印的会议记录。")
        return redirect(f"{reverse('meetings:list')}?{request.GET.urlencode()}")
    response = HttpResponse(meeting_record_docx(meetings), content_type=DOCX)
    response["Content-Disposition"] = _attachment_name(f"会议记录_{today():%Y%m%d}.docx")
    return response


@require_GET
@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    filters = _list_filters(request)
    unit, kind, status, period, q = (filters[k] for k in ("unit", "kind", "status", "period", "q"))
    page = get_page(_filtered(request, filters), request.GET.get("page"), PAGE_SIZE, reads=(Meeting, OrgUnit))
    page.object_list = selectors.attach_counts(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    export_unit = unit or (access.home_units(request.user) or [None])[0]
    context = {
        "page": page, "unit": unit, "kind": kind, "status": status, "q": q,
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
    return render(request, "form_page.html", {**_form_page(meeting),
        "form": form, "meeting": meeting, "title": f"作废会议记录 · {meeting.topic}", "submit": "作废", "danger": True,
        "nav_section": SECTION})


def _form_page(meeting: Meeting) -> dict[str, Any]:
    """Breadcrumbs and the cancel link for a form about one meeting."""
    detail = reverse("meetings:detail", args=[meeting.pk])
    return {"cancel_url": detail, "crumbs": [("会议台账", reverse("meetings:list")), (meeting.topic, detail)]}


# ---------------------------------------------------------------------------------------------
# Attendance


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
    return render(request, "form_page.html", {**_form_page(meeting),
        "form": form, "meeting": meeting, "title": f"登记补学 · {row.person.name}", "submit": "保存",
        "nav_section": SECTION})


# ---------------------------------------------------------------------------------------------
# Votes, attachments, Word


@require_http_methods(["GET", "POST"])
@login_required
def vote_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_edit(request.user, pk)
    voters = services.voting_members(meeting.unit, meeting.date)
    form = VoteForm(request.POST or None, branch=meeting.unit, day=meeting.date)
    if request.method == "POST" and form.is_valid():
        try:
            vote = services.vote_record(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            outcome = services.vote_outcome(entitled=vote.entitled, present=vote.present, votes_for=vote.votes_for)
            (messages.success if vote.passed else messages.warning)(
                request, f"已记录表决：{'通过' if vote.passed else '未通过'}。{outcome.explanation}")
            return redirect("meetings:detail", pk=meeting.pk)
    needed = len(voters) // 2 + 1
    present = meeting.attendance.filter(status=AttendanceStatus.PRESENT, person__in=voters).count()
    return render(request, "form_page.html", {**_form_page(meeting),
        "form": form, "meeting": meeting, "title": f"记录表决 · {meeting.topic}", "submit": "记录表决",
        "note": f"本次会议应到有表决权的正式党员{len(voters)}人，出勤登记中出席{present}人：到会须不少于{needed}人，"
                f"赞成票须不少于{needed}票（预备党员不参加表决）。",
        "nav_section": SECTION})


@require_POST
@login_required
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_edit(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, meeting=meeting, kind=form.cleaned_data["kind"],
                                    file=form.cleaned_data["file"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已上传。")
    else:
        messages.error(request, "请选择材料类型和文件。")
    return redirect("meetings:detail", pk=meeting.pk)


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    from django.http import FileResponse

    meeting = selectors.meeting_for_view(request.user, pk)
    attachment = get_object_or_404(MeetingAttachment, meeting=meeting, pk=attachment_id, void_reason="")
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@require_GET
@login_required
def meeting_docx(request: HttpRequest, pk: int) -> HttpResponse:
    from .documents import meeting_record_docx

    meeting = selectors.meeting_for_view(request.user, pk)
    response = HttpResponse(meeting_record_docx([meeting]), content_type=DOCX)
    response["Content-Disposition"] = _attachment_name(f"会议记录_{meeting.number}.docx")
    return response


def _attachment_name(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


@require_http_methods(["GET", "POST"])
@login_required
def appraisals(request: HttpRequest, pk: int) -> HttpResponse:
    """民主评议党员: every member's grade on one page (合格 preselected)."""
    meeting = selectors.meeting_for_view(request.user, pk)
    if meeting.kind != MeetingKind.APPRAISAL:
        raise Http404("只有民主评议党员会议需要登记评议结果。")
    editable = meeting.is_draft and access.can_edit(request.user, meeting.unit)
    if request.method == "POST":
        access.require_edit(request.user, meeting.unit)
        grades = {}
        for row in meeting.attendance.filter(status__in=EXPECTED_STATUSES):
            value = request.POST.get(f"grade-{row.person_id}", "")
            if value in AppraisalGrade.values:
                grades[row.person_id] = value
        try:
            count = services.appraisals_record(actor=request.user, meeting=meeting, grades=grades)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已登记{count}名党员的评议等次。")
            return redirect("meetings:detail", pk=meeting.pk)
    current = {a.person_id: a.grade for a in meeting.appraisals.all()}
    rows = [(row.person, current.get(row.person_id, AppraisalGrade.GOOD))
            for row in meeting.attendance.filter(status__in=EXPECTED_STATUSES).select_related("person")
            .order_by("person__pinyin")]
    return render(request, "meetings/appraisals.html", {
        "meeting": meeting, "rows": rows, "grades": AppraisalGrade.choices, "editable": editable,
        "nav_section": SECTION})


@require_http_methods(["GET", "POST"])
@login_required
def talks(request: HttpRequest) -> HttpResponse:
    """谈心谈话 of a 党支部 for a year, with the pairs still owed and a form to record one."""
    unit = _unit_param(request)
    if unit is None or unit.kind != UnitKind.BRANCH:
        raise Http404("请选择党支部。")
    year = _period_param(request, Period.containing(today(), "year"))
    can_edit = access.can_edit(request.user, unit)
    form = TalkForm(request.POST or None, unit=unit, initial={"date": today()})
    if request.method == "POST":
        access.require_edit(request.user, unit)
        if form.is_valid():
            try:
                services.talk_record(actor=request.user, unit=unit, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已记录谈心谈话。")
                return redirect(f"{reverse('meetings:talks')}?unit={unit.pk}&period={year}")
    report = compliance.evaluate(unit, year)
    result = report.unit(unit.pk)
    rule = result.rule("talk") if result else None
    records = list(selectors.talk_list(user=request.user, unit=unit).filter(date__gte=year.start, date__lte=year.end))
    return render(request, "meetings/talks.html", {
        "unit": unit, "year": year, "form": form if can_edit else None, "rule": rule, "talks": records,
        "owed": selectors.talks_owed(unit, records, min(year.end, today())) if rule else [],
        "nav_section": SECTION})


@require_http_methods(["GET", "POST"])
@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """The rules in force for a unit; committee staff add and end their committee's local rules."""
    unit = _unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    ancestors = [int(part) for part in unit.path.strip("/").split("/") if part]
    visible = ComplianceRule.objects.filter(Q(scope_unit__isnull=True) | Q(scope_unit_id__in=ancestors))
    visible = visible.select_related("scope_unit").order_by("order", "code", "effective_from")
    can_add = unit.kind in (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH) and access.can_review(request.user, unit)
    form = LocalRuleForm(request.POST or None, initial={"effective_from": today()})
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied("只有上级党委工作人员可以增设本地规则。")
        if request.POST.get("end"):
            rule = access.get_or_404(ComplianceRule.objects.all(), pk=request.POST["end"], scope_unit=unit)
            end_form = RuleEndForm(request.POST)
            if end_form.is_valid():
                try:
                    services.rule_end(actor=request.user, rule=rule, effective_to=end_form.cleaned_data["effective_to"])
                except ValidationError as exc:
                    messages.error(request, "；".join(exc.messages))
                else:
                    messages.success(request, f"“{rule.name}”将于{rule.effective_to:%Y-%m-%d}后停止适用。")
            return redirect(f"{reverse('meetings:rules')}?unit={unit.pk}")
        if form.is_valid():
            try:
                services.rule_create_local(actor=request.user, scope_unit=unit, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已增设本地规则，下级党支部的合规统计即时生效。")
                return redirect(f"{reverse('meetings:rules')}?unit={unit.pk}")
    return render(request, "meetings/rules.html", {
        "unit": unit, "rules": visible, "form": form if can_add else None, "today": today(),
        "nav_section": SECTION})


@require_GET
@login_required
def person_record(request: HttpRequest, pk: int) -> HttpResponse:
    """One member's organisational life: attendance, 补学, 民主评议 grades and 谈心谈话."""
    from members.selectors import person_for_view

    person = person_for_view(request.user, pk)
    rows = list(selectors.attendance_of(request.user, person))
    counts = {status: sum(1 for r in rows if r.status == status) for status in AttendanceStatus.values}
    return render(request, "meetings/person.html", {
        "person": person, "rows": rows, "counts": counts,
        "appraisals": selectors.appraisals_of(person),
        "talks": Talk.objects.filter(Q(member=person) | Q(officer=person), void_reason="")
        .select_related("officer", "member", "unit").order_by("-date")[:50],
        "nav_section": SECTION})


# ---------------------------------------------------------------------------------------------
# Calendar


@require_GET
@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    unit = _unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    month = _period_param(request, Period.month_of(today()))
    if month.kind != "month":
        raise Http404("日历按月查看。")
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


# ---------------------------------------------------------------------------------------------
# Compliance


GRID_PAGE_SIZE = 100  # branches a page: a committee of 500 still reads the totals for all of them


@require_GET
@login_required
def compliance_page(request: HttpRequest) -> HttpResponse:
    """A 党支部's compliance for the current quarter and year; a committee goes to the grid."""
    unit = _unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    if unit.kind == UnitKind.GROUP:
        unit = unit.parent
    if unit.kind != UnitKind.BRANCH:
        return redirect(f"{reverse('meetings:grid')}?unit={unit.pk}")
    day = today()
    quarter, year = compliance.evaluate_periods(
        unit, [Period.containing(day, "quarter"), Period.containing(day, "year")], on=day)
    todo = []
    for report in (quarter, year):
        for result in report.units:
            for rule in result.rules:
                for part in rule.open_parts(day):
                    todo.append({"unit": result.unit, "rule": rule, "part": part,
                                 "remaining": part.required - part.actual, "days": (part.period.end - day).days,
                                 "word": "对" if rule.code == "talk" or part.rule.counts == "talk" else "次"})
    todo.sort(key=lambda item: (item["part"].period.end, item["rule"].order))
    seen: set[tuple[int, str, str]] = set()
    unique_todo = []
    for item in todo:
        key = (item["unit"].pk, item["rule"].code, str(item["part"].period))
        if key not in seen:
            seen.add(key)
            unique_todo.append(item)
    context = {
        "unit": unit, "quarter": quarter, "year": year, "todo": unique_todo, "today": day,
        "can_create": access.can_edit(request.user, unit), "nav_section": SECTION,
    }
    return render(request, "meetings/compliance.html", context)


@require_GET
@login_required
def compliance_grid(request: HttpRequest) -> HttpResponse:
    unit = _unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    period = _period_param(request, Period.containing(today(), "quarter"))
    grid = selectors.branch_grid(unit, period, today())
    rows = grid.rows
    status_filter = request.GET.get("status", "")
    if status_filter == "late":
        shown = [row for row in rows if row["late"]]
    else:
        shown = [row for row in rows if not status_filter or row["status"] == status_filter]
    context = {
        "unit": unit, "period": period, "columns": grid.columns, "rows": shown, **paged(request, shown, GRID_PAGE_SIZE),
        "totals": {s: sum(1 for r in rows if r["status"] == s) for s in ("met", "due", "missing")},
        "late": sum(1 for r in rows if r["late"] and r["status"] != "missing"), "total": len(rows),
        "status_filter": status_filter, "previous": str(period.previous()), "next": str(period.next()),
        "periods": [str(Period.containing(today(), kind)) for kind in ("month", "quarter", "half", "year")],
        "units": access.visible_units(request.user).exclude(kind=UnitKind.GROUP).filter(archived_on__isnull=True),
        "nav_section": SECTION,
    }
    return render(request, "meetings/grid.html", context)


@require_GET
@login_required
def compliance_cell(request: HttpRequest) -> HttpResponse:
    """Drill-down: the meetings behind one cell of the grid (a unit, a rule, a period)."""
    unit = _unit_param(request, default_home=False)
    if unit is None:
        raise Http404("请选择党组织。")
    period = _period_param(request, Period.containing(today(), "quarter"))
    code = request.GET.get("code", "")
    report = compliance.evaluate(unit, period)
    results = [(r.unit, r.rule(code)) for r in report.units if r.rule(code)]
    if not results:
        raise Http404("该组织在此期间不适用这项规则。")
    ids = [pk for _, rule in results for pk in rule.meeting_ids]
    meetings = {m.pk: m for m in Meeting.objects.filter(pk__in=ids).select_related("unit")}
    context = {
        "unit": unit, "period": period, "code": code, "on": report.on, "name": results[0][1].name,
        "results": [(u, rule, [(part, [meetings[i] for i in part.meeting_ids]) for part in rule.parts])
                    for u, rule in results],
        "nav_section": SECTION,
    }
    return render(request, "meetings/cell.html", context)


@require_GET
@login_required
def compliance_history(request: HttpRequest) -> HttpResponse:
    """Past periods: the last eight quarters and the last two years, per rule."""
    unit = _unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    day = today()
    quarters = []
    period = Period.containing(day, "quarter")
    for _ in range(8):
        period = period.previous()
        quarters.append(period)
    years = [Period.containing(day, "year").previous(), Period.containing(day, "year").previous().previous()]
    columns: dict[str, str] = {}
    table: list[dict[str, Any]] = []
    periods = quarters + years
    if unit.kind == UnitKind.BRANCH:
        for p, report in zip(periods, compliance.evaluate_periods(unit, periods, on=day), strict=True):
            cells = {rule.code: rule for result in report.units for rule in result.rules
                     if result.unit.pk == unit.pk}
            for result in report.units:
                for rule in result.rules:
                    columns.setdefault(rule.code, rule.name)
            table.append({"period": p, "cells": cells, "groups": [r for r in report.units if r.unit.pk != unit.pk]})
    else:  # a committee: each period's branch grid, as the grid page shows it (and caches it)
        for p in periods:
            rows = selectors.branch_grid(unit, p, day).rows
            table.append({"period": p, "summary": {s: sum(1 for r in rows if r["status"] == s)
                                                   for s in ("met", "missing")}, "total": len(rows)})
    for row in table:
        if "cells" in row:
            row["cell_list"] = [row["cells"].get(code) for code in columns]
    context = {"unit": unit, "table": table, "columns": columns, "nav_section": SECTION,
               "is_branch": unit.kind == UnitKind.BRANCH}
    return render(request, "meetings/history.html", context)


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Secretaries land on their branch's compliance; committee staff on the grid."""
    homes = access.home_units(request.user)
    if not homes:
        raise Http404("没有可查看的党组织。")
    unit = homes[0]
    if unit.kind in (UnitKind.BRANCH, UnitKind.GROUP):
        return redirect(f"{reverse('meetings:compliance')}?unit={unit.pk}")
    return redirect(f"{reverse('meetings:grid')}?unit={unit.pk}")
