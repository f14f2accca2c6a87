"""A confirmed (locked) meeting offers only the amendment path, with its 更正原因 field: no page
shows a form whose submission asks for a field it does not have (issue 16, finding 8)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings import services
from meetings.models import Amendment, AppraisalGrade, Attendance, MeetingKind, MeetingStatus, MotionKind, Vote
from tests.factories import make_person

from .conftest import held

DAY = dt.date(2025, 6, 20)
VOTE = {"motion_kind": "other", "motion": "通过年度工作计划", "votes_for": 3, "votes_against": 0, "abstentions": 0}


@pytest.fixture
def locked(tree, owner):
    for _ in range(3):
        make_person(tree["branch_a"])
    meeting = held(tree["branch_a"], MeetingKind.GENERAL, DAY, status=MeetingStatus.DRAFT)
    return services.meeting_confirm(actor=owner, meeting=meeting)


def _field_names(html: str) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', html))


def test_the_vote_page_of_a_locked_meeting_has_the_reason_field_it_asks_for(client_for, owner, locked):
    client = client_for(owner)
    url = reverse("meetings:vote_create", args=[locked.pk])
    page = client.get(url).content.decode()
    assert "补记表决" in page and "更正原因" in page and "amend_reason" in _field_names(page)
    response = client.post(url, VOTE)
    assert response.status_code == 200 and not Vote.objects.exists()
    errors = response.context["form"].errors
    assert set(errors) == {"amend_reason"}  # the one missing field, under the field shown
    assert "amend_reason" in _field_names(response.content.decode())
    response = client.post(url, {**VOTE, "amend_reason": "漏记表决"})
    assert response.status_code == 302
    vote = Vote.objects.get()
    assert vote.passed and vote.meeting_id == locked.pk
    amendment = Amendment.objects.get(meeting=locked)
    assert amendment.reason == "漏记表决"
    assert amendment.changes == {"表决：通过年度工作计划": ["（无）", "应到3人，实到3人，赞成3票，反对0票，弃权0票，通过"]}
    detail = client.get(reverse("meetings:detail", args=[locked.pk])).content.decode()
    assert "漏记表决" in detail and "补记表决" in detail


def test_a_draft_vote_page_asks_for_no_reason(client_for, owner, tree):
    for _ in range(3):
        make_person(tree["branch_a"])
    draft = held(tree["branch_a"], MeetingKind.GENERAL, DAY, status=MeetingStatus.DRAFT)
    client = client_for(owner)
    page = client.get(reverse("meetings:vote_create", args=[draft.pk])).content.decode()
    assert "amend_reason" not in _field_names(page)
    assert client.post(reverse("meetings:vote_create", args=[draft.pk]), VOTE).status_code == 302
    assert not Amendment.objects.exists()


def test_vote_page_of_a_void_meeting_or_a_meeting_without_votes(client_for, owner, tree, locked):
    client = client_for(owner)
    lecture = held(tree["branch_a"], MeetingKind.LECTURE, DAY, status=MeetingStatus.DRAFT)
    response = client.get(reverse("meetings:vote_create", args=[lecture.pk]), follow=True)
    assert "只有党员大会" in response.content.decode() and "amend_reason" not in _field_names(response.content.decode())
    services.meeting_void(actor=owner, meeting=locked, reason="重复录入")
    assert client.get(reverse("meetings:vote_create", args=[locked.pk])).status_code == 403


def test_vote_access_on_a_locked_meeting(client_for, staff, viewer, outsider, locked):
    url = reverse("meetings:vote_create", args=[locked.pk])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(staff).get(url).status_code == 403
    assert client_for(viewer).post(url, {**VOTE, "amend_reason": "x"}).status_code == 403
    assert not Vote.objects.exists()


def test_service_refuses_a_vote_on_a_locked_meeting_under_the_reason_field(locked):
    with pytest.raises(ValidationError) as error:
        services.vote_record(actor=None, meeting=locked, motion_kind=MotionKind.OTHER, motion="x", votes_for=3)
    assert set(error.value.message_dict) == {"amend_reason"}


def test_appraisals_of_a_locked_meeting_are_amended_with_a_reason(client_for, owner, staff, outsider, tree):
    people = [make_person(tree["branch_a"]) for _ in range(2)]
    meeting = held(tree["branch_a"], MeetingKind.APPRAISAL, DAY, status=MeetingStatus.DRAFT)
    services.appraisals_record(actor=owner, meeting=meeting, grades={p.pk: AppraisalGrade.GOOD for p in people})
    services.meeting_confirm(actor=owner, meeting=meeting)
    url = reverse("meetings:appraisals", args=[meeting.pk])
    assert client_for(outsider).get(url).status_code == 404
    staff_page = client_for(staff).get(url).content.decode()
    assert "amend_reason" not in _field_names(staff_page) and "grade-" not in staff_page
    client = client_for(owner)
    page = client.get(url).content.decode()
    assert {"amend_reason", f"grade-{people[0].pk}"} <= _field_names(page)
    grades = {f"grade-{people[0].pk}": "excellent", f"grade-{people[1].pk}": "good"}
    client.post(url, grades)
    assert meeting.appraisals.get(person=people[0]).grade == "good"  # refused: no reason given
    assert client.post(url, {**grades, "amend_reason": "评议票统计有误"}).status_code == 302
    assert meeting.appraisals.get(person=people[0]).grade == "excellent"
    amendment = Amendment.objects.get(meeting=meeting)
    assert amendment.reason == "评议票统计有误"
    assert amendment.changes == {f"评议：{people[0].name}": ["合格", "优秀"]}


def test_adding_an_observer_to_a_locked_meeting_says_why_it_cannot(client_for, owner, tree, locked):
    guest = make_person(tree["branch_a"], status="activist")
    client = client_for(owner)
    response = client.post(reverse("meetings:attendance_observer", args=[locked.pk]), {"person": guest.pk},
                           follow=True)
    page = response.content.decode()
    assert "不能再添加列席人员" in page and "请填写更正原因" not in page
    assert not Attendance.objects.filter(meeting=locked, person=guest).exists()


def test_the_locked_detail_page_offers_the_amendment_paths_only(client_for, owner, locked):
    page = client_for(owner).get(reverse("meetings:detail", args=[locked.pk])).content.decode()
    assert reverse("meetings:amend", args=[locked.pk]) in page
    assert reverse("meetings:edit", args=[locked.pk]) not in page
    assert "确认并锁定" not in page
