"""The meeting list's filters (``meetings.filters.MeetingFilter``): each parameter narrows the
list, an unknown value is ignored, a bad period is a 400 that says why, another branch is a 404,
and the Word print reads the same filters as the page."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document

from meetings.models import MeetingKind, MeetingStatus

from .conftest import held


@pytest.fixture
def meetings(tree):
    a = tree["branch_a"]
    return {
        "general": held(a, MeetingKind.GENERAL, dt.date(2025, 3, 10), topic="学习党章", place="会议室"),
        "lecture": held(a, MeetingKind.LECTURE, dt.date(2025, 9, 10), topic="专题党课"),
        "draft": held(a, MeetingKind.COMMITTEE, dt.date(2025, 9, 20), topic="支委会", status=MeetingStatus.DRAFT),
        "void": held(a, MeetingKind.GENERAL, dt.date(2025, 5, 1), topic="作废的会", status=MeetingStatus.VOID),
        "other": held(tree["branch_b"], MeetingKind.GENERAL, dt.date(2025, 3, 10), topic="二支部大会"),
    }


def listed(client, **params):
    response = client.get(reverse("meetings:list"), params)
    assert response.status_code == 200
    return {m.topic for m in response.context["page"].object_list}


def test_each_filter_narrows_the_list(client_for, owner, meetings):
    client = client_for(owner)
    assert listed(client) == {"学习党章", "专题党课", "支委会"}  # no void, no other branch
    assert listed(client, kind=MeetingKind.LECTURE) == {"专题党课"}
    assert listed(client, status=MeetingStatus.DRAFT) == {"支委会"}
    assert listed(client, status=MeetingStatus.VOID) == {"作废的会"}
    assert listed(client, period="2025Q1") == {"学习党章"}
    assert listed(client, period="2025H2", kind=MeetingKind.LECTURE) == {"专题党课"}
    assert listed(client, q="会议室") == {"学习党章"}
    assert listed(client, q="党") == {"学习党章", "专题党课"}


def test_committee_staff_see_every_branch_and_narrow_by_unit(client_for, staff, tree, meetings):
    client = client_for(staff)
    assert "二支部大会" in listed(client)
    assert listed(client, unit=tree["branch_b"].pk) == {"二支部大会"}


@pytest.mark.parametrize("params", [{"kind": "party"}, {"status": "deleted"}, {"q": "党\x00"}, {"page": "x"}])
def test_an_unknown_value_is_ignored(client_for, owner, meetings, params):
    assert listed(client_for(owner), **params) == {"学习党章", "专题党课", "支委会"}


def test_a_bad_period_says_why(client_for, owner, meetings):
    response = client_for(owner).get(reverse("meetings:list"), {"period": "2025Q7"})
    assert response.status_code == 400
    assert "期间" in response.content.decode()


def test_another_branch_is_not_found(client_for, owner, tree, meetings):
    assert client_for(owner).get(reverse("meetings:list"), {"unit": tree["branch_b"].pk}).status_code == 404


def test_the_word_print_reads_the_same_filters(client_for, owner, meetings):
    response = client_for(owner).get(reverse("meetings:list_docx"), {"kind": MeetingKind.LECTURE})
    text = "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)
    assert "专题党课" in text and "学习党章" not in text
