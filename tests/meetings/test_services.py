"""Meeting services: 应到 from memberships, attendance, the lock and amendments, votes, attachments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from branches.models import OfficerRole
from branches.services import officer_appoint
from meetings import services
from meetings.models import (
    Amendment,
    AppraisalGrade,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MotionKind,
    Vote,
)
from members.facts import progress_of
from members.models import Membership, Status
from members.services import development_step_record
from tests.factories import make_person

DAY = dt.date(2025, 6, 20)


@pytest.fixture
def branch(tree):
    return tree["branch_a"]


def make_meeting(unit, kind=MeetingKind.GENERAL, day=DAY, **fields):
    return services.meeting_create(actor=None, unit=unit, kind=kind, date=day, topic="学习贯彻会议精神", **fields)


# --- 应到 -------------------------------------------------------------------------------------


def test_expected_people_are_party_members_on_the_date(tree, branch):
    full = make_person(branch)
    probationary = make_person(branch, status=Status.PROBATIONARY)
    activist = make_person(branch, status=Status.ACTIVIST)
    make_person(branch, joined_on=dt.date(2025, 7, 1))  # joined after the meeting
    left = make_person(branch)
    Membership.objects.filter(person=left).update(ended_on=dt.date(2025, 5, 1))
    make_person(tree["branch_b"])
    meeting = make_meeting(branch)
    rows = {row.person_id: row.status for row in meeting.attendance.all()}
    assert rows == {full.pk: AttendanceStatus.PRESENT, probationary.pk: AttendanceStatus.PRESENT}
    assert activist.pk not in rows


def test_group_meeting_expects_the_group_only(tree, branch):
    in_group = make_person(branch, group=tree["group_a"])
    make_person(branch)
    meeting = make_meeting(tree["group_a"], MeetingKind.GROUP)
    assert [row.person_id for row in meeting.attendance.all()] == [in_group.pk]


def test_committee_meeting_expects_the_committee_members(branch):
    secretary, member = make_person(branch), make_person(branch)
    officer_appoint(actor=None, unit=branch, person=secretary, role=OfficerRole.SECRETARY,
                    started_on=dt.date(2024, 1, 1))
    meeting = make_meeting(branch, MeetingKind.COMMITTEE)
    assert [row.person_id for row in meeting.attendance.all()] == [secretary.pk]
    assert member.pk not in {row.person_id for row in meeting.attendance.all()}


def test_meeting_kind_must_match_the_unit(tree, branch):
    with pytest.raises(ValidationError):
        make_meeting(branch, MeetingKind.GROUP)
    with pytest.raises(ValidationError):
        make_meeting(tree["group_a"], MeetingKind.GENERAL)
    with pytest.raises(ValidationError):
        make_meeting(branch, MeetingKind.LECTURE, also_general=True)


def test_changing_a_drafts_date_recomputes_expected(branch):
    early = make_person(branch)
    late = make_person(branch, joined_on=dt.date(2025, 9, 1))
    meeting = make_meeting(branch)
    services.attendance_set(actor=None, meeting=meeting, person=early, status=AttendanceStatus.LEAVE, reason="出差")
    services.meeting_update(actor=None, meeting=meeting, date=dt.date(2025, 9, 10))
    rows = {row.person_id: row.status for row in meeting.attendance.all()}
    assert rows == {early.pk: AttendanceStatus.LEAVE, late.pk: AttendanceStatus.PRESENT}


# --- attendance ---------------------------------------------------------------------------


def test_leave_needs_a_reason_and_observer_must_be_outside_expected(branch):
    member = make_person(branch)
    activist = make_person(branch, status=Status.ACTIVIST)
    meeting = make_meeting(branch)
    with pytest.raises(ValidationError):
        services.attendance_set(actor=None, meeting=meeting, person=member, status=AttendanceStatus.LEAVE)
    with pytest.raises(ValidationError):
        services.attendance_set(actor=None, meeting=meeting, person=member, status=AttendanceStatus.OBSERVER)
    with pytest.raises(ValidationError):
        services.attendance_set(actor=None, meeting=meeting, person=activist, status=AttendanceStatus.PRESENT)
    row = services.attendance_set(actor=None, meeting=meeting, person=activist, status=AttendanceStatus.OBSERVER)
    assert row.status == AttendanceStatus.OBSERVER


def test_bulk_attendance_and_makeup(branch):
    people = [make_person(branch) for _ in range(5)]
    meeting = make_meeting(branch)
    changed = services.attendance_bulk_set(actor=None, meeting=meeting, statuses={
        people[0].pk: (AttendanceStatus.ABSENT, ""), people[1].pk: (AttendanceStatus.LEAVE, "病假"),
        people[2].pk: (AttendanceStatus.PRESENT, ""),
    })
    assert changed == 2
    row = Attendance.objects.get(meeting=meeting, person=people[0])
    services.makeup_record(actor=None, attendance=row, on=dt.date(2025, 6, 25), note="自学会议精神")
    row.refresh_from_db()
    assert row.makeup_on == dt.date(2025, 6, 25)
    with pytest.raises(ValidationError):
        services.makeup_record(actor=None, attendance=Attendance.objects.get(meeting=meeting, person=people[2]),
                               on=dt.date(2025, 6, 25))


# --- lock and amendments ------------------------------------------------------------------


def test_confirm_locks_and_amend_keeps_the_previous_text(branch, owner):
    member = make_person(branch)
    meeting = make_meeting(branch, minutes="原记录内容")
    services.meeting_confirm(actor=owner, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED and meeting.confirmed_by == owner
    with pytest.raises(ValidationError):
        services.meeting_update(actor=owner, meeting=meeting, minutes="悄悄改掉")
    with pytest.raises(ValidationError):
        services.meeting_amend(actor=owner, meeting=meeting, reason="", minutes="新内容")
    with pytest.raises(ValidationError):
        services.attendance_set(actor=owner, meeting=meeting, person=member, status=AttendanceStatus.ABSENT)
    amendment = services.meeting_amend(actor=owner, meeting=meeting, reason="记录有误", minutes="更正后的内容")
    meeting.refresh_from_db()
    assert meeting.minutes == "更正后的内容"
    assert amendment.changes == {"会议内容（内容摘要）": ["原记录内容", "更正后的内容"]}
    assert amendment.amended_by == owner
    services.attendance_set(actor=owner, meeting=meeting, person=member, status=AttendanceStatus.LEAVE,
                            reason="出差", amend_reason="补录请假")
    latest = Amendment.objects.filter(meeting=meeting).last()
    assert latest.changes == {f"出勤：{member.name}": ["出席", "请假（出差）"]}
    assert meeting.history.count() >= 3  # created, confirmed, amended


def test_cannot_confirm_a_future_meeting_or_amend_a_draft(branch):
    make_person(branch)
    future = make_meeting(branch, day=dt.date.today() + dt.timedelta(days=10))
    with pytest.raises(ValidationError):
        services.meeting_confirm(actor=None, meeting=future)
    draft = make_meeting(branch)
    with pytest.raises(ValidationError):
        services.meeting_amend(actor=None, meeting=draft, reason="x", topic="新主题")


def test_void_keeps_the_record(branch):
    meeting = make_meeting(branch)
    with pytest.raises(ValidationError):
        services.meeting_void(actor=None, meeting=meeting, reason=" ")
    services.meeting_void(actor=None, meeting=meeting, reason="重复录入")
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.VOID


# --- votes (domain-rules: more than half of the entitled 正式党员) --------------------------


@pytest.mark.parametrize(
    ("entitled", "present", "votes_for", "quorate", "passed"),
    [
        (10, 5, 5, False, False),  # exactly half present is not a quorum
        (10, 6, 5, True, False),  # exactly half of the entitled for is not a majority
        (10, 6, 6, True, True),
        (10, 10, 5, True, False),  # majority of those present is not enough: of the entitled
        (9, 5, 5, True, True),
        (9, 4, 4, False, False),
        (1, 1, 1, True, True),
        (0, 0, 0, False, False),
    ],
)
def test_vote_outcome(entitled, present, votes_for, quorate, passed):
    outcome = services.vote_outcome(entitled=entitled, present=present, votes_for=votes_for)
    assert (outcome.quorate, outcome.passed) == (quorate, passed)


def test_vote_counts_only_full_members_and_refuses_a_false_pass(branch):
    full = [make_person(branch) for _ in range(4)]
    make_person(branch, status=Status.PROBATIONARY)
    meeting = make_meeting(branch)
    services.attendance_bulk_set(actor=None, meeting=meeting, statuses={
        full[0].pk: (AttendanceStatus.ABSENT, ""), full[1].pk: (AttendanceStatus.LEAVE, "病假"),
    })
    with pytest.raises(ValidationError) as error:
        services.vote_record(actor=None, meeting=meeting, motion_kind=MotionKind.OTHER, motion="通过年度工作计划",
                             votes_for=2, declared_passed=True)
    assert "不能记为通过" in str(error.value)
    vote = services.vote_record(actor=None, meeting=meeting, motion_kind=MotionKind.OTHER, motion="通过年度工作计划",
                                votes_for=2)
    assert (vote.entitled, vote.present, vote.quorate, vote.passed) == (4, 2, False, False)
    services.attendance_bulk_set(actor=None, meeting=meeting, statuses={full[1].pk: (AttendanceStatus.PRESENT, "")})
    vote = services.vote_record(actor=None, meeting=meeting, motion_kind=MotionKind.OTHER, motion="通过年度工作计划",
                                votes_for=3, declared_passed=True)
    assert (vote.entitled, vote.present, vote.quorate, vote.passed) == (4, 3, True, True)


def _candidate_ready(branch, steps=(12, 13, 14)):
    """A 发展对象 of ``branch`` with the steps before the 支部大会 on record."""
    person = make_person(branch, status=Status.CANDIDATE, name="郑发展")
    for step in steps:
        development_step_record(actor=None, person=person, step=step, done_on=dt.date(2025, 5, step))
    return person


def test_an_admission_vote_needs_a_candidate_with_the_earlier_steps(branch):
    """接收预备党员 for a 申请人 passed without a word and left him at 第2步: it is refused, and so
    is one for a 发展对象 whose 支委会审查 / 预审 / 志愿书 are not on record."""
    for _ in range(3):
        make_person(branch)
    meeting = make_meeting(branch)
    applicant = make_person(branch, status=Status.APPLICANT, applied_on=dt.date(2025, 1, 10), name="申请人甲")

    def admit(subject):
        return services.vote_record(actor=None, meeting=meeting, motion_kind=MotionKind.ADMIT,
                                    motion="接收为预备党员", votes_for=3, subject=subject)

    with pytest.raises(ValidationError, match="须选择涉及人员"):
        admit(None)
    with pytest.raises(ValidationError, match="申请人甲目前是申请人，不是发展对象，不能表决接收为预备党员"):
        admit(applicant)
    unready = _candidate_ready(branch, steps=(12,))
    with pytest.raises(ValidationError, match="尚未记录第13步上级党委预审、第14步填写入党志愿书"):
        admit(unready)
    assert not Vote.objects.exists()
    assert not applicant.steps.filter(step=15).exists()


def test_a_passed_admission_vote_records_the_branch_meeting_step(branch, owner):
    for _ in range(3):
        make_person(branch)
    candidate = _candidate_ready(branch)
    meeting = make_meeting(branch)
    failed = services.vote_record(actor=owner, meeting=meeting, motion_kind=MotionKind.ADMIT, motion="接收为预备党员",
                                  votes_for=1, present=3, subject=candidate)
    assert not failed.passed and not candidate.steps.filter(step=15).exists()
    vote = services.vote_record(actor=owner, meeting=meeting, motion_kind=MotionKind.ADMIT, motion="接收为预备党员",
                                votes_for=3, present=3, subject=candidate)
    assert vote.passed
    step = candidate.steps.get(step=15)
    assert step.done_on == DAY and "支部大会表决通过（赞成3票" in step.note
    assert step.history.get().history_user == owner
    candidate.refresh_from_db()
    assert candidate.status == Status.CANDIDATE  # a 预备党员 once the higher committee approves (17)
    assert progress_of(candidate, on=DAY).next_step == 16


def test_a_confirmation_vote_is_for_a_probationary_member(branch):
    for _ in range(3):
        make_person(branch)
    meeting = make_meeting(branch)
    candidate = make_person(branch, status=Status.CANDIDATE, name="乙")
    with pytest.raises(ValidationError, match="只有预备党员才能表决转正"):
        services.vote_record(actor=None, meeting=meeting, motion_kind=MotionKind.CONFIRM, motion="转正",
                             votes_for=3, subject=candidate)
    probationary = make_person(branch, status=Status.PROBATIONARY)
    services.vote_record(actor=None, meeting=meeting, motion_kind=MotionKind.CONFIRM, motion="转正", votes_for=3,
                         subject=probationary)
    assert probationary.steps.get(step=23).done_on == DAY


def test_vote_rejects_impossible_counts_and_wrong_meetings(branch):
    for _ in range(3):
        make_person(branch)
    meeting = make_meeting(branch)
    with pytest.raises(ValidationError):
        services.vote_record(actor=None, meeting=meeting, motion_kind=MotionKind.OTHER, motion="x",
                             votes_for=3, votes_against=1)
    with pytest.raises(ValidationError):
        services.vote_record(actor=None, meeting=meeting, motion_kind=MotionKind.OTHER, motion="x",
                             votes_for=1, present=5)
    lecture = make_meeting(branch, MeetingKind.LECTURE)
    with pytest.raises(ValidationError):
        services.vote_record(actor=None, meeting=lecture, motion_kind=MotionKind.OTHER, motion="x", votes_for=3)
    theme = make_meeting(branch, MeetingKind.THEME_DAY, also_general=True)
    assert services.vote_record(actor=None, meeting=theme, motion_kind=MotionKind.OTHER, motion="x",
                                votes_for=3).passed


# --- 民主评议, 谈心谈话, attachments --------------------------------------------------------


def test_appraisal_results_feed_the_members_history(branch):
    member = make_person(branch)
    meeting = make_meeting(branch, MeetingKind.APPRAISAL)
    services.appraisal_record(actor=None, meeting=meeting, person=member, grade=AppraisalGrade.EXCELLENT)
    services.appraisal_record(actor=None, meeting=meeting, person=member, grade=AppraisalGrade.GOOD)
    assert [a.get_grade_display() for a in member.appraisals.all()] == ["合格"]
    with pytest.raises(ValidationError):
        services.appraisal_record(actor=None, meeting=make_meeting(branch), person=member, grade=AppraisalGrade.GOOD)


def test_talk_needs_a_committee_member_and_a_member(tree, branch):
    secretary, member = make_person(branch), make_person(branch)
    stranger = make_person(tree["branch_b"])
    with pytest.raises(ValidationError):
        services.talk_record(actor=None, unit=branch, date=DAY, officer=secretary, member=member)
    officer_appoint(actor=None, unit=branch, person=secretary, role=OfficerRole.SECRETARY,
                    started_on=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError):
        services.talk_record(actor=None, unit=branch, date=DAY, officer=secretary, member=stranger)
    assert services.talk_record(actor=None, unit=branch, date=DAY, officer=secretary, member=member).pk


PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def test_attachment_type_and_size_checks(branch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meeting = make_meeting(branch)
    photo = services.attachment_add(actor=None, meeting=meeting, kind="photo",
                                    file=SimpleUploadedFile("会场.png", PNG, "image/png"))
    assert photo.size == len(PNG) and photo.original_name == "会场.png"
    with pytest.raises(ValidationError):  # wrong extension for a photo
        services.attachment_add(actor=None, meeting=meeting, kind="photo",
                                file=SimpleUploadedFile("a.pdf", b"%PDF-1.4", "application/pdf"))
    with pytest.raises(ValidationError):  # content does not match the extension
        services.attachment_add(actor=None, meeting=meeting, kind="photo",
                                file=SimpleUploadedFile("a.png", b"MZ\x90\x00", "image/png"))
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (services.MAX_ATTACHMENT_BYTES + 1), "application/pdf")
    with pytest.raises(ValidationError):
        services.attachment_add(actor=None, meeting=meeting, kind="minutes", file=big)


@given(st.integers(0, 200).flatmap(lambda entitled: st.tuples(
    st.just(entitled), st.integers(0, entitled)).flatmap(lambda pair: st.tuples(
        st.just(pair[0]), st.just(pair[1]), st.integers(0, pair[1])))))
def test_vote_outcome_properties(values):
    entitled, present, votes_for = values
    outcome = services.vote_outcome(entitled=entitled, present=present, votes_for=votes_for)
    assert outcome.quorate == (2 * present > entitled)
    assert outcome.passed == (2 * present > entitled and 2 * votes_for > entitled)
    if 2 * votes_for == entitled:  # exactly half is never enough
        assert not outcome.passed


@pytest.mark.parametrize(
    ("status", "probationary_on", "full_on", "day", "expected"),
    [
        (Status.FULL, dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2021, 1, 1), Status.FULL),
        (Status.FULL, dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2020, 12, 31), Status.PROBATIONARY),
        (Status.FULL, dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2019, 12, 31), None),
        (Status.FULL, dt.date(2020, 1, 1), None, dt.date(2020, 6, 1), Status.FULL),  # 转正日期 not recorded
        (Status.FULL, None, None, dt.date(2000, 1, 1), Status.FULL),
        (Status.PROBATIONARY, dt.date(2025, 3, 1), None, dt.date(2025, 3, 1), Status.PROBATIONARY),
        (Status.PROBATIONARY, dt.date(2025, 3, 1), None, dt.date(2025, 2, 28), None),
        (Status.CANDIDATE, None, None, dt.date(2025, 1, 1), None),
    ],
)
def test_party_status_on(status, probationary_on, full_on, day, expected):
    from members.models import Person

    person = Person(status=status, probationary_on=probationary_on, full_on=full_on)
    assert services.party_status_on(person, day) == expected
