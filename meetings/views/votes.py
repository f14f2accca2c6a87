"""What a meeting decides: a recorded vote (表决) and the 民主评议 grades."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from branches import access
from branches.forms import add_service_errors
from members.development import STEPS

from .. import selectors, services
from ..forms import VoteForm
from ..models import EXPECTED_STATUSES, AppraisalGrade, AttendanceStatus, MeetingKind, MeetingStatus
from ._common import SECTION, form_page


@require_http_methods(["GET", "POST"])
@login_required
def vote_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a vote; on a confirmed meeting it is an amendment (补记表决) with its 更正原因."""
    meeting = selectors.meeting_for_edit(request.user, pk)
    if meeting.status == MeetingStatus.VOID:
        raise PermissionDenied("该会议记录已作废。")
    if not meeting.takes_votes:
        messages.error(request, "只有党员大会（或同时作为党员大会的主题党日）可以表决。")
        return redirect("meetings:detail", pk=meeting.pk)
    amending = meeting.is_confirmed
    voters = services.voting_members(meeting.unit, meeting.date)
    form = VoteForm(request.POST or None, branch=meeting.unit, day=meeting.date, amend=amending)
    if request.method == "POST" and form.is_valid():
        try:
            vote = services.vote_record(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            outcome = services.vote_outcome(entitled=vote.entitled, present=vote.present, votes_for=vote.votes_for)
            step = services.SUBJECT_STEPS.get(vote.motion_kind)
            recorded = (f"已在{vote.subject.name}的发展台账记录第{step}步“{STEPS[step]}”（{meeting.date:%Y-%m-%d}）。"
                        if vote.passed and step and vote.subject else "")
            (messages.success if vote.passed else messages.warning)(
                request, f"已{'补记' if amending else '记录'}表决：{'通过' if vote.passed else '未通过'}。"
                         f"{outcome.explanation}{'已记入更正记录。' if amending else ''}{recorded}")
            return redirect("meetings:detail", pk=meeting.pk)
    needed = len(voters) // 2 + 1
    present = meeting.attendance.filter(status=AttendanceStatus.PRESENT, person__in=voters).count()
    return render(request, "form_page.html", {**form_page(meeting),
        "form": form, "meeting": meeting, "title": f"{'补记' if amending else '记录'}表决 · {meeting.topic}",
        "submit": "补记表决" if amending else "记录表决",
        "note": ("会议记录已确认锁定，补记的表决将作为更正记录保留，须填写更正原因。" if amending else "")
                + f"本次会议应到有表决权的正式党员{len(voters)}人，出勤登记中出席{present}人：到会须不少于{needed}人，"
                  f"赞成票须不少于{needed}票（预备党员不参加表决）。",
        "nav_section": SECTION})


@require_http_methods(["GET", "POST"])
@login_required
def appraisals(request: HttpRequest, pk: int) -> HttpResponse:
    """民主评议党员: every member's grade on one page (合格 preselected)."""
    meeting = selectors.meeting_for_view(request.user, pk)
    if meeting.kind != MeetingKind.APPRAISAL:
        raise Http404("只有民主评议党员会议需要登记评议结果。")
    editable = meeting.status != MeetingStatus.VOID and access.can_edit(request.user, meeting.unit)
    amending = meeting.is_confirmed
    if request.method == "POST":
        access.require_edit(request.user, meeting.unit)
        grades = {}
        for row in meeting.attendance.filter(status__in=EXPECTED_STATUSES):
            value = request.POST.get(f"grade-{row.person_id}", "")
            if value in AppraisalGrade.values:
                grades[row.person_id] = value
        try:
            count = services.appraisals_record(actor=request.user, meeting=meeting, grades=grades,
                                               amend_reason=request.POST.get("amend_reason", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已更正评议结果，原等次保留在更正记录中。" if amending
                             else f"已登记{count}名党员的评议等次。")
            return redirect("meetings:detail", pk=meeting.pk)
    current = {a.person_id: a.grade for a in meeting.appraisals.all()}
    rows = [(row.person, current.get(row.person_id, AppraisalGrade.GOOD))
            for row in meeting.attendance.filter(status__in=EXPECTED_STATUSES).select_related("person")
            .order_by("person__pinyin")]
    return render(request, "meetings/appraisals.html", {
        "meeting": meeting, "rows": rows, "grades": AppraisalGrade.choices, "editable": editable, "amending": amending,
        "nav_section": SECTION})
