"""Writes to meetings, attendance, votes, 民主评议 results, 谈心谈话 and attachments.

A meeting starts as a draft; confirming it locks it. A confirmed meeting changes only through an
amendment with a reason that keeps what it said before. Nothing is hard-deleted: void with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches import caching
from branches.models import COMMITTEE_ROLES, Officer, OrgUnit, UnitKind, in_subtree, today
from branches.services import record_void, save_with_history
from members.development import ADMISSION_STEP, BEFORE_ADMISSION, STEPS
from members.models import Membership, Person, Status
from members.services import development_step_record

from .models import (
    EXPECTED_STATUSES,
    Amendment,
    AppraisalResult,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    ComplianceRule,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingStatus,
    MotionKind,
    Talk,
    Vote,
)

# Fields a secretary fills in on the meeting form (and that an amendment may change).
MEETING_FIELDS = (
    "kind", "also_lecture", "also_general", "date", "start_time", "end_time", "place", "topic", "host",
    "recorder", "lecturer", "lecturer_role", "agenda", "minutes", "resolutions",
)
LOCKED_MESSAGE = "会议记录已确认，不能直接修改；如需修改，请填写更正原因进行更正。"
AMEND_REASON_MESSAGE = "会议记录已确认，请填写更正原因：补记的内容作为更正记录保留。"
STALE_MESSAGE = "该会议已被他人修改，请刷新后重试。"


def _check_version(meeting: Meeting, expected_version: int | None) -> None:
    """Refuse a save based on an older version of the record (``meeting`` is the locked row)."""
    if expected_version is not None and expected_version != meeting.version:
        raise ValidationError(STALE_MESSAGE, code="stale")


def _save_meeting(meeting: Meeting, actor: Any) -> None:
    meeting.version += 1
    save_with_history(meeting, actor)


# ---------------------------------------------------------------------------------------------
# Who is expected (应到)


def party_status_on(person: Person, day: dt.date) -> str | None:
    """正式/预备党员 on ``day`` from the lifecycle dates, or None for someone not yet a member.

    A 正式党员 without a recorded 转正日期 counts as 正式 from the 接收预备党员日期 (or always)."""
    if person.status == Status.FULL:
        if person.full_on and person.full_on <= day:
            return Status.FULL
        if person.full_on:
            return Status.PROBATIONARY if not person.probationary_on or person.probationary_on <= day else None
        return Status.FULL if not person.probationary_on or person.probationary_on <= day else None
    if person.status == Status.PROBATIONARY:
        return Status.PROBATIONARY if not person.probationary_on or person.probationary_on <= day else None
    return None


def expected_people(unit: OrgUnit, kind: str, day: dt.date) -> list[Person]:
    """应到: the party members who belonged to ``unit`` on ``day`` (for a 支委会: its 委员)."""
    if kind == MeetingKind.COMMITTEE:
        officers = (
            Officer.objects.filter(unit=unit, role__in=COMMITTEE_ROLES, started_on__lte=day)
            .exclude(ended_on__lt=day).select_related("person")
        )
        people = {officer.person_id: officer.person for officer in officers}
        return sorted(people.values(), key=lambda p: (p.pinyin, p.pk))
    memberships = Membership.objects.active_on(day).select_related("person")
    if unit.kind == UnitKind.GROUP:
        memberships = memberships.filter(group=unit)
    else:
        memberships = memberships.filter(unit=unit)
    people = [m.person for m in memberships if party_status_on(m.person, day)]
    return sorted({p.pk: p for p in people}.values(), key=lambda p: (p.pinyin, p.pk))


def voting_members(unit: OrgUnit, day: dt.date) -> list[Person]:
    """正式党员 of ``unit`` on ``day``: those entitled to vote (预备党员 attend but do not vote)."""
    return [p for p in expected_people(unit, MeetingKind.GENERAL, day) if party_status_on(p, day) == Status.FULL]


# ---------------------------------------------------------------------------------------------
# Meetings


def _next_number(unit: OrgUnit, day: dt.date) -> str:
    prefix = f"{unit.code}-{day:%Y%m%d}-"
    taken = set(Meeting.objects.filter(number__startswith=prefix).values_list("number", flat=True))
    n = 1
    while f"{prefix}{n:02d}" in taken:
        n += 1
    return f"{prefix}{n:02d}"


def _check_unit(unit: OrgUnit, day: dt.date | None) -> None:
    if unit.archived_on and day and day > unit.archived_on:
        raise ValidationError({"date": f"“{unit.name}”已于{unit.archived_on:%Y-%m-%d}撤销。"})
    if unit.founded_on and day and day < unit.founded_on:
        raise ValidationError({"date": f"会议日期早于“{unit.name}”的成立日期（{unit.founded_on:%Y-%m-%d}）。"})


@transaction.atomic
def meeting_create(*, actor: Any, unit: OrgUnit, kind: str, date: dt.date, topic: str, number: str = "",
                   **fields: Any) -> Meeting:
    """A draft meeting, with every expected person marked 出席 (the secretary toggles exceptions)."""
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    _check_unit(unit, date)
    meeting = Meeting(unit=unit, kind=kind, date=date, topic=(topic or "").strip(),
                      number=number.strip() or _next_number(unit, date),
                      created_by=actor if getattr(actor, "pk", None) else None, **fields)
    for _attempt in range(10):
        try:
            with transaction.atomic():
                save_with_history(meeting, actor)
            break
        except IntegrityError:
            # Two secretaries recorded a meeting of the same unit and day at once and the other
            # took this number first (the unique index made us wait for their commit).
            if number.strip() or not Meeting.objects.filter(number=meeting.number).exists():
                raise
            meeting.pk, meeting.number = None, _next_number(unit, date)
    else:
        raise ValidationError("无法生成会议编号，请重试。")  # pragma: no cover
    _sync_expected(meeting, actor)
    caching.bump("meetings")
    return meeting


def _sync_expected(meeting: Meeting, actor: Any) -> None:
    """Bring the attendance rows in line with 应到 (keeps the status of people still expected)."""
    expected = {p.pk: p for p in expected_people(meeting.unit, meeting.kind, meeting.date)}
    rows = {row.person_id: row for row in meeting.attendance.all()}
    for person_id, row in rows.items():
        if person_id not in expected and row.status in EXPECTED_STATUSES:
            row.delete()  # a draft's 应到 changed with its date or kind; nothing counted it yet
        elif person_id in expected and row.status == AttendanceStatus.OBSERVER:
            row.status = AttendanceStatus.PRESENT
            save_with_history(row, actor)
    new = [Attendance(meeting=meeting, person=person) for pk, person in expected.items() if pk not in rows]
    for row in new:
        row._history_user = actor
    if new:
        bulk_create_with_history(new, Attendance, default_user=actor if getattr(actor, "pk", None) else None)


def _require_draft(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.VOID:
        raise ValidationError("该会议记录已作废。")
    if meeting.status != MeetingStatus.DRAFT:
        raise ValidationError(LOCKED_MESSAGE)


@transaction.atomic
def meeting_update(*, actor: Any, meeting: Meeting, expected_version: int | None = None, **fields: Any) -> Meeting:
    """Change a draft. A confirmed meeting is locked (see :func:`meeting_amend`).

    ``expected_version`` is the version the editor's form was opened at: when someone else saved
    since, the change is refused rather than silently overwriting theirs.
    """
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_draft(meeting)
    _check_version(meeting, expected_version)
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    before = (meeting.kind, meeting.date)
    for name, value in fields.items():
        setattr(meeting, name, value)
    _check_unit(meeting.unit, meeting.date)
    _save_meeting(meeting, actor)
    if (meeting.kind, meeting.date) != before:
        _sync_expected(meeting, actor)
    caching.bump("meetings")
    return meeting


@transaction.atomic
def meeting_confirm(*, actor: Any, meeting: Meeting) -> Meeting:
    """Lock the record: from now on it changes only by amendment."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_draft(meeting)
    if meeting.date > today():
        raise ValidationError({"date": "会议尚未召开，不能确认。"})
    if not meeting.attendance.exists():
        raise ValidationError("没有出勤记录：应到人数为0，请先核对组织关系或添加列席人员。")
    meeting.status = MeetingStatus.CONFIRMED
    meeting.confirmed_at = timezone.now()
    meeting.confirmed_by = actor if getattr(actor, "pk", None) else None
    _save_meeting(meeting, actor)
    caching.bump("meetings")
    return meeting


def _display(meeting: Meeting, name: str) -> str:
    value = getattr(meeting, name)
    display = getattr(meeting, f"get_{name}_display", None)
    if display is not None and value:
        return str(display())
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return ""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


@transaction.atomic
def meeting_amend(*, actor: Any, meeting: Meeting, reason: str, expected_version: int | None = None,
                  **fields: Any) -> Amendment:
    """Change a confirmed meeting, keeping what it said before (field → [before, after])."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.CONFIRMED:
        raise ValidationError("只有已确认的会议记录需要更正；草稿可直接修改。")
    _check_version(meeting, expected_version)
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写更正原因。"})
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    changes: dict[str, list[str]] = {}
    for name, value in fields.items():
        if getattr(meeting, name) != value:
            before = _display(meeting, name)
            setattr(meeting, name, value)
            changes[Meeting._meta.get_field(name).verbose_name] = [before, _display(meeting, name)]
    if not changes:
        raise ValidationError("没有需要更正的内容。")
    _check_unit(meeting.unit, meeting.date)
    if meeting.date > today():
        raise ValidationError({"date": "更正后的日期晚于今天。"})
    _save_meeting(meeting, actor)
    amendment = Amendment(meeting=meeting, reason=reason.strip(), changes=changes,
                          amended_by=actor if getattr(actor, "pk", None) else None)
    save_with_history(amendment, actor)
    caching.bump("meetings")
    return amendment


def _amendment_record(actor: Any, meeting: Meeting, reason: str, changes: dict[str, list[str]]) -> Amendment:
    """An amendment of a confirmed meeting made outside the meeting form (attendance, a vote,
    民主评议 grades): what it said before and after, with the reason."""
    amendment = Amendment(meeting=meeting, reason=reason.strip(), changes=changes,
                          amended_by=actor if getattr(actor, "pk", None) else None)
    save_with_history(amendment, actor)  # the reason comes straight from the request: validated like any field
    return amendment


def _require_amend_reason(meeting: Meeting, amend_reason: str) -> bool:
    """Whether this change is an amendment (the meeting is confirmed); refused without a reason,
    under the form's ``amend_reason`` field."""
    if meeting.status == MeetingStatus.VOID:
        raise ValidationError("该会议记录已作废。")
    if meeting.status != MeetingStatus.CONFIRMED:
        return False
    if not (amend_reason or "").strip():
        raise ValidationError({"amend_reason": AMEND_REASON_MESSAGE})
    return True


@transaction.atomic
def meeting_void(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    """作废: the record stays (with the reason) but no longer counts anywhere."""
    if not (reason or "").strip():
        raise ValidationError({"void_reason": "请填写作废原因。"})
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == MeetingStatus.VOID:
        raise ValidationError("该会议记录已作废。")
    meeting.status = MeetingStatus.VOID
    caching.bump("meetings")
    meeting.version += 1
    return record_void(actor=actor, record=meeting, reason=reason)


# ---------------------------------------------------------------------------------------------
# Attendance


def _attendance_label(row: Attendance) -> str:
    return row.get_status_display() + (f"（{row.reason}）" if row.reason else "")


@transaction.atomic
def attendance_set(*, actor: Any, meeting: Meeting, person: Person, status: str, reason: str = "",
                   amend_reason: str = "") -> Attendance:
    """Set one person's attendance. On a confirmed meeting this is an amendment (``amend_reason``)."""
    if meeting.status == MeetingStatus.VOID:
        raise ValidationError("该会议记录已作废。")
    confirmed = meeting.status == MeetingStatus.CONFIRMED
    if confirmed and not amend_reason.strip():
        raise ValidationError({"reason": LOCKED_MESSAGE})
    row = Attendance.objects.filter(meeting=meeting, person=person).first()
    if status == AttendanceStatus.OBSERVER:
        if row is not None and row.status in EXPECTED_STATUSES:
            raise ValidationError({"status": f"{person.name}是应到人员，不能记为列席。"})
    elif row is None or row.status == AttendanceStatus.OBSERVER:
        raise ValidationError({"person": f"{person.name}不是本次会议的应到人员（可记为列席）。"})
    before = _attendance_label(row) if row else "（无）"
    if row is None:
        row = Attendance(meeting=meeting, person=person)
    row.status = status
    row.reason = (reason or "").strip() if status != AttendanceStatus.PRESENT else ""
    if status == AttendanceStatus.PRESENT:
        row.makeup_on, row.makeup_note = None, ""
    save_with_history(row, actor)
    after = _attendance_label(row)
    if confirmed and before != after:
        _amendment_record(actor, meeting, amend_reason, {f"出勤：{person.name}": [before, after]})
    caching.bump("meetings")
    return row


@transaction.atomic
def attendance_bulk_set(*, actor: Any, meeting: Meeting, statuses: dict[int, tuple[str, str]]) -> int:
    """Set many people at once on a draft: ``{person_id: (status, reason)}``. Returns rows changed."""
    _require_draft(meeting)
    rows = {row.person_id: row for row in meeting.attendance.filter(status__in=EXPECTED_STATUSES)}
    unknown = set(statuses) - set(rows)
    if unknown:
        raise ValidationError("名单中有不是本次会议应到人员的人。")
    changed = 0
    for person_id, (status, reason) in statuses.items():
        if status not in EXPECTED_STATUSES:
            raise ValidationError({"status": "出勤情况应为出席、请假或缺席。"})
        row = rows[person_id]
        reason = (reason or "").strip() if status != AttendanceStatus.PRESENT else ""
        if (row.status, row.reason) != (status, reason):
            row.status, row.reason = status, reason
            save_with_history(row, actor)
            changed += 1
    caching.bump("meetings")
    return changed


@transaction.atomic
def attendance_remove_observer(*, actor: Any, meeting: Meeting, person: Person) -> None:
    _require_draft(meeting)
    deleted, _ = Attendance.objects.filter(meeting=meeting, person=person, status=AttendanceStatus.OBSERVER).delete()
    if not deleted:
        raise ValidationError(f"{person.name}不是本次会议的列席人员。")
    caching.bump("meetings")


@transaction.atomic
def makeup_record(*, actor: Any, attendance: Attendance, on: dt.date, note: str = "") -> Attendance:
    """补学 for someone who was absent or on leave (allowed after the meeting is confirmed)."""
    if attendance.status not in (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT):
        raise ValidationError({"makeup_on": "只有请假或缺席的人员需要补学。"})
    if on < attendance.meeting.date:
        raise ValidationError({"makeup_on": "补学日期早于会议日期。"})
    if on > today():
        raise ValidationError({"makeup_on": "补学日期晚于今天。"})
    attendance.makeup_on = on
    attendance.makeup_note = (note or "").strip()
    save_with_history(attendance, actor)
    caching.bump("meetings")
    return attendance


# ---------------------------------------------------------------------------------------------
# Votes


@dataclass(frozen=True)
class VoteOutcome:
    quorate: bool
    passed: bool
    quorum_needed: int  # the smallest number present that is more than half of those entitled
    votes_needed: int  # the smallest number of votes for that is more than half of those entitled

    @property
    def explanation(self) -> str:
        if not self.quorate:
            return f"到会有表决权的正式党员不足{self.quorum_needed}人（须超过应到的半数），会议不能表决。"
        if not self.passed:
            return f"赞成票须达到{self.votes_needed}票（超过应到有表决权党员的半数）。"
        return "到会人数和赞成票均超过应到有表决权党员的半数。"


def vote_outcome(*, entitled: int, present: int, votes_for: int) -> VoteOutcome:
    """domain-rules.md: more than half of the entitled present; passes with more than half of the
    entitled (not of those present). Exactly half is not enough."""
    needed = entitled // 2 + 1
    quorate = entitled > 0 and present >= needed
    return VoteOutcome(quorate, quorate and votes_for >= needed, needed, needed)


# The 发展 step a passed vote on a person records: 15 支部大会讨论, 23 支部大会讨论（转正）.
SUBJECT_STEPS = {MotionKind.ADMIT: ADMISSION_STEP, MotionKind.CONFIRM: 23}


@transaction.atomic
def vote_record(*, actor: Any, meeting: Meeting, motion_kind: str, motion: str, votes_for: int,
                votes_against: int = 0, abstentions: int = 0, present: int | None = None,
                subject: Person | None = None, declared_passed: bool | None = None, note: str = "",
                amend_reason: str = "") -> Vote:
    """Record a motion at a 党员大会. ``entitled`` is computed from the memberships on the meeting
    date; ``present`` defaults to the 正式党员 marked 出席. Refuses ``declared_passed=True`` when
    the quorum or the majority was not met. On a confirmed meeting the vote is an amendment
    (补记表决) and needs ``amend_reason``."""
    amending = _require_amend_reason(meeting, amend_reason)
    if not meeting.takes_votes:
        raise ValidationError("只有党员大会（或同时作为党员大会的主题党日）可以表决。")
    voters = voting_members(meeting.unit, meeting.date)
    entitled = len(voters)
    if present is None:
        voter_ids = {p.pk for p in voters}
        present = meeting.attendance.filter(status=AttendanceStatus.PRESENT, person_id__in=voter_ids).count()
    errors: dict[str, str] = {}
    if motion_kind in SUBJECT_STEPS:
        errors.update(_subject_errors(meeting, motion_kind, subject))
    if present > entitled:
        errors["present"] = f"实到有表决权党员（{present}）不能多于应到（{entitled}）。"
    if min(votes_for, votes_against, abstentions, present) < 0:
        errors["votes_for"] = "票数不能为负数。"
    elif votes_for + votes_against + abstentions > present:
        errors["votes_for"] = f"赞成、反对、弃权合计{votes_for + votes_against + abstentions}票，多于实到{present}人。"
    if errors:
        raise ValidationError(errors)
    outcome = vote_outcome(entitled=entitled, present=present, votes_for=votes_for)
    if declared_passed and not outcome.passed:
        raise ValidationError({"passed": "不能记为通过：" + outcome.explanation})
    vote = Vote(meeting=meeting, motion_kind=motion_kind, motion=(motion or "").strip(), subject=subject,
                entitled=entitled, present=present, votes_for=votes_for, votes_against=votes_against,
                abstentions=abstentions, quorate=outcome.quorate, passed=outcome.passed, note=note)
    save_with_history(vote, actor)
    if vote.passed and subject is not None and motion_kind in SUBJECT_STEPS:
        # the 发展 record follows the 支部大会: 接收预备党员 is step 15, 转正 step 23 (with history)
        development_step_record(actor=actor, person=subject, step=SUBJECT_STEPS[motion_kind], done_on=meeting.date,
                                note=f"{meeting.date:%Y-%m-%d}支部大会表决通过（赞成{votes_for}票、反对{votes_against}票、"
                                     f"弃权{abstentions}票，应到有表决权党员{entitled}人）")
    if amending:
        result = "通过" if vote.passed else ("不足法定人数" if not vote.quorate else "未通过")
        _amendment_record(actor, meeting, amend_reason, {f"表决：{vote.motion}": [
            "（无）", f"应到{entitled}人，实到{present}人，赞成{votes_for}票，反对{votes_against}票，"
                     f"弃权{abstentions}票，{result}"]})
    caching.bump("meetings")
    return vote


def _subject_errors(meeting: Meeting, motion_kind: str, subject: Person | None) -> dict[str, str]:
    """接收预备党员 is voted on for a 发展对象 of the branch whose steps before the 支部大会 (12 支委会审查,
    13 上级党委预审, 14 填写入党志愿书) are on record (发展细则 第二十二–二十四条); 预备党员转正 for a
    预备党员 of the branch. Anything else is refused: the 发展 record could not follow the vote."""
    label = MotionKind(motion_kind).label
    if subject is None:
        return {"subject": f"表决“{label}”须选择涉及人员。"}
    if meeting.date > today():
        return {"subject": f"会议日期（{meeting.date:%Y-%m-%d}）晚于今天，会议召开后才能记录“{label}”的表决结果。"}
    if not subject.memberships.active_on(meeting.date).filter(in_subtree(meeting.unit, "unit")).exists():
        return {"subject": f"{subject.name}在{meeting.date:%Y-%m-%d}不是{meeting.unit.name}的成员。"}
    status = Status(subject.status)
    if motion_kind == MotionKind.CONFIRM:
        if status != Status.PROBATIONARY:
            return {"subject": f"{subject.name}目前是{status.label}，只有预备党员才能表决转正。"}
        return {}
    again = status == Status.PROBATIONARY and subject.probationary_on == meeting.date  # entered after the approval
    if status != Status.CANDIDATE and not again:
        return {"subject": f"{subject.name}目前是{status.label}，不是发展对象，不能表决接收为预备党员"
                           "（须先确定为发展对象并完成支委会审查、上级党委预审、填写入党志愿书）。"}
    recorded = set(subject.steps.filter(step__in=BEFORE_ADMISSION, done_on__lte=meeting.date).values_list("step", flat=True))
    missing = [f"第{step}步{STEPS[step]}" for step in BEFORE_ADMISSION if step not in recorded]
    if missing and not again:
        return {"subject": f"{subject.name}的发展台账在{meeting.date:%Y-%m-%d}前尚未记录{'、'.join(missing)}，"
                           "不能提交支部大会讨论接收为预备党员；请先在其发展台账中补记这些步骤。"}
    return {}


# ---------------------------------------------------------------------------------------------
# 民主评议, 谈心谈话


@transaction.atomic
def appraisal_record(*, actor: Any, meeting: Meeting, person: Person, grade: str, note: str = "") -> AppraisalResult:
    if meeting.status == MeetingStatus.CONFIRMED:
        raise ValidationError(LOCKED_MESSAGE)
    return _appraisal_save(actor, meeting, person, grade, note)


def _appraisal_save(actor: Any, meeting: Meeting, person: Person, grade: str, note: str = "") -> AppraisalResult:
    if meeting.kind != MeetingKind.APPRAISAL:
        raise ValidationError("评议结果只能记在民主评议党员会议上。")
    if meeting.status == MeetingStatus.VOID:
        raise ValidationError("该会议记录已作废。")
    if not meeting.attendance.filter(person=person, status__in=EXPECTED_STATUSES).exists():
        raise ValidationError({"person": f"{person.name}不是本支部参加评议的党员。"})
    result = AppraisalResult.objects.filter(meeting=meeting, person=person).first() or AppraisalResult(
        meeting=meeting, person=person
    )
    result.grade = grade
    result.note = (note or "").strip()
    save_with_history(result, actor)
    caching.bump("meetings")
    return result


@transaction.atomic
def appraisals_record(*, actor: Any, meeting: Meeting, grades: dict[int, str], amend_reason: str = "") -> int:
    """Record the grades of many members at once (``{person_id: grade}``); returns how many. On a
    confirmed meeting this is an amendment: it needs ``amend_reason`` and keeps the grades it changes."""
    amending = _require_amend_reason(meeting, amend_reason)
    people = {row.person_id: row.person for row in meeting.attendance.select_related("person")}
    before = {a.person_id: a.get_grade_display() for a in meeting.appraisals.all()}
    changes: dict[str, list[str]] = {}
    for person_id, grade in grades.items():
        if person_id not in people:
            raise ValidationError({"person": "名单中有不是本次评议的党员。"})
        result = _appraisal_save(actor, meeting, people[person_id], grade)
        old, new = before.get(person_id, "（无）"), result.get_grade_display()
        if old != new:
            changes[f"评议：{people[person_id].name}"] = [old, new]
    if amending:
        if not changes:
            raise ValidationError("没有需要更正的评议结果。")
        _amendment_record(actor, meeting, amend_reason, changes)
    caching.bump("meetings")
    return len(grades)


def _is_committee_member(unit: OrgUnit, person: Person, day: dt.date) -> bool:
    return Officer.objects.filter(unit=unit, person=person, role__in=COMMITTEE_ROLES, started_on__lte=day).exclude(
        ended_on__lt=day
    ).exists()


@transaction.atomic
def talk_record(*, actor: Any, unit: OrgUnit, date: dt.date, officer: Person, member: Person,
                summary: str = "") -> Talk:
    """谈心谈话 between a 支委 (书记 or 委员 in office on the day) and a member of the branch."""
    if unit.kind != UnitKind.BRANCH:
        raise ValidationError({"unit": "谈心谈话记在党支部名下。"})
    if date > today():
        raise ValidationError({"date": "谈话日期晚于今天。"})
    if officer.pk == member.pk:
        raise ValidationError({"member": "谈话双方不能是同一人。"})
    if not _is_committee_member(unit, officer, date):
        raise ValidationError({"officer": f"{officer.name}在{date:%Y-%m-%d}不是本支部的支委。"})
    if not Membership.objects.active_on(date).filter(unit=unit, person=member).exists():
        raise ValidationError({"member": f"{member.name}在{date:%Y-%m-%d}不是本支部党员。"})
    talk = Talk(unit=unit, date=date, officer=officer, member=member, summary=(summary or "").strip(),
                recorded_by=actor if getattr(actor, "pk", None) else None)
    save_with_history(talk, actor)
    caching.bump("meetings")
    return talk


@transaction.atomic
def talk_void(*, actor: Any, talk: Talk, reason: str) -> Talk:
    caching.bump("meetings")
    return record_void(actor=actor, record=talk, reason=reason)


# ---------------------------------------------------------------------------------------------
# Attachments

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    AttachmentKind.MINUTES_SCAN: ("pdf", "jpg", "jpeg", "png"),
    AttachmentKind.SIGN_IN: ("pdf", "jpg", "jpeg", "png", "xlsx"),
    AttachmentKind.PHOTO: ("jpg", "jpeg", "png"),
    AttachmentKind.OTHER: ("pdf", "jpg", "jpeg", "png", "docx", "xlsx"),
}
# The first bytes of each accepted type: the extension must match the content.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}


@transaction.atomic
def attachment_add(*, actor: Any, meeting: Meeting, kind: str, file: Any) -> MeetingAttachment:
    """Attach a scan, sign-in sheet or photo; the type (extension and content) and size are checked."""
    if meeting.status == MeetingStatus.VOID:
        raise ValidationError("该会议记录已作废。")
    name = getattr(file, "name", "") or ""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ALLOWED_TYPES.get(kind)
    if allowed is None:
        raise ValidationError({"kind": "未知的材料类型。"})
    if suffix not in allowed:
        raise ValidationError({"file": f"{AttachmentKind(kind).label}只接受：{'、'.join(allowed)}"})
    size = getattr(file, "size", None) or 0
    if size <= 0:
        raise ValidationError({"file": "文件是空的。"})
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": f"文件过大（{size / 1024 / 1024:.1f}MB），单个文件不能超过10MB。"})
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(magic) for magic in MAGIC[suffix]):
        raise ValidationError({"file": f"文件内容与扩展名 .{suffix} 不符。"})
    attachment = MeetingAttachment(meeting=meeting, kind=kind, file=file, original_name=name.rsplit("/", 1)[-1][:200],
                                   size=size, uploaded_by=actor if getattr(actor, "pk", None) else None)
    save_with_history(attachment, actor)
    caching.bump("meetings")
    return attachment


@transaction.atomic
def attachment_void(*, actor: Any, attachment: MeetingAttachment, reason: str) -> MeetingAttachment:
    caching.bump("meetings")
    return record_void(actor=actor, record=attachment, reason=reason)



# ---------------------------------------------------------------------------------------------
# Local rules (a committee's own additions; the national defaults are edited in the admin)

RULE_FIELDS = ("code", "name", "counts", "applies_to", "min_count", "period", "secretary_lecture", "weekday",
               "week_of_month", "effective_from", "effective_to", "source")


@transaction.atomic
def rule_create_local(*, actor: Any, scope_unit: OrgUnit, **fields: Any) -> Any:
    """A committee's extra rule (e.g. 每月第三周星期五统一活动日) for its own subtree."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    if scope_unit.kind not in (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH):
        raise ValidationError({"scope_unit": "本地规则由党委或党总支设立。"})
    rule = ComplianceRule(scope_unit=scope_unit, order=fields.pop("order", 150), **fields)
    save_with_history(rule, actor)
    caching.bump("meetings")
    return rule


@transaction.atomic
def rule_end(*, actor: Any, rule: Any, effective_to: dt.date) -> Any:
    """Stop a local rule from a date (earlier periods keep being checked against it)."""
    if rule.scope_unit_id is None:
        raise ValidationError("全国默认规则由系统管理员在管理后台调整。")
    rule.effective_to = effective_to
    save_with_history(rule, actor)
    caching.bump("meetings")
    return rule
