"""The roster's filters (``members.filters.PersonFilter``): each narrows the list, and a unit the
user may not see, an unknown status or a NUL in the search is ignored, not an error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from members.models import Status
from tests.factories import make_person


@pytest.fixture
def people(tree):
    a, b = tree["branch_a"], tree["branch_b"]
    return {
        "full": make_person(a, name="张建国"),
        "applicant": make_person(a, status=Status.APPLICANT, name="李申请"),
        "other": make_person(b, name="王二支"),
    }


def listed(client, **params):
    response = client.get(reverse("members:list"), params)
    assert response.status_code == 200
    return {row["person"].name for row in response.context["rows"]}


def test_each_filter_narrows_the_roster(client_for, owner, staff, tree, people):
    client = client_for(owner)
    assert listed(client) == {"张建国", "李申请"}
    assert listed(client, status=Status.APPLICANT) == {"李申请"}
    assert listed(client, q="张") == {"张建国"}
    assert listed(client_for(staff), unit=tree["branch_b"].pk) == {"王二支"}


@pytest.mark.parametrize("params", [{"status": "boss"}, {"q": "张\x00"}, {"unit": "abc"}, {"former": "maybe"}])
def test_an_unknown_value_is_ignored(client_for, owner, people, params):
    assert listed(client_for(owner), **params) == {"张建国", "李申请"}


def test_former_members_show_when_asked(client_for, owner, tree, people):
    """The roster's 含已转出/离开 checkbox sends former=1."""
    from members.services import member_transfer_out

    member_transfer_out(actor=None, person=people["full"], date=dt.date(2026, 1, 5), external_org="外单位党支部")
    assert listed(client_for(owner)) == {"李申请"}
    assert listed(client_for(owner), former="1") == {"张建国", "李申请"}


def test_a_unit_outside_the_scope_is_ignored(client_for, owner, tree, people):
    assert listed(client_for(owner), unit=tree["branch_b"].pk) == {"张建国", "李申请"}
