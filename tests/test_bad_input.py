"""Garbage sent to every form view is answered (200 with errors, 302, 403 or 404), never a 500.

The test client re-raises a view's exception, so a crash fails the test with its traceback.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from branches.models import Officer, OfficerRole
from tests.factories import make_person

pytestmark = pytest.mark.django_db

GARBAGE = [
    {},
    {"kind": "bogus", "code": "X1", "name": "Y"},
    {"kind": "branch", "code": "X2", "name": "Y"},
    {"kind": "committee", "code": "X3", "name": "Y"},
    {"person": "abc", "role": "zzz", "started_on": "2020-02-30"},
    {"step": "abc", "done_on": "x", "hours": "1e9"},
    {"date": "9999-99-99", "to_unit": "abc", "unit": "-1", "group": "abc"},
    {"p-unit": "abc", "p-group": "999999", "name": "x" * 500, "id_number": "x" * 40, "status": "full"},
    {"archived_on": "1900-01-01", "reason": "x" * 500, "ended_on": "1900-01-01", "started_on": "1900-01-01"},
    {"group": "999999", "date": "2025-01-01", "kind": "death", "reason": " "},
]


@pytest.fixture
def form_urls(tree):
    a, group = tree["branch_a"], tree["group_a"]
    person = make_person(a, group=group)
    activist = make_person(a, status="activist")
    officer = Officer.objects.create(unit=a, person=person, role=OfficerRole.PUBLICITY, started_on=dt.date(2024, 1, 1))
    urls = [
        reverse("org:unit_edit", args=[a.pk]), reverse("org:unit_edit", args=[tree["committee"].pk]),
        reverse("org:unit_archive", args=[group.pk]), reverse("org:unit_archive", args=[tree["branch_b"].pk]),
        reverse("org:unit_create", args=[a.pk]), reverse("org:unit_create", args=[tree["committee"].pk]),
        reverse("org:officer_add", args=[a.pk]), reverse("org:officer_add", args=[group.pk]),
        reverse("org:officer_end", args=[a.pk, officer.pk]), reverse("org:term_add", args=[a.pk]),
        reverse("org:term_add", args=[tree["committee"].pk]), reverse("reports:import_upload", args=["members"]),
        reverse("reports:import_upload", args=["orgs"]), reverse("members:create"), reverse("reports:export"),
    ]
    for name in ("edit", "transfer_out", "transfer_in", "group_change", "exit", "step_add"):
        urls += [reverse(f"members:{name}", args=[person.pk]), reverse(f"members:{name}", args=[activist.pk])]
    return urls


@pytest.mark.parametrize("data", GARBAGE)
@pytest.mark.parametrize("role", ["owner", "staff", "admin"])
def test_garbage_posts_never_crash(client_for, form_urls, owner, staff, admin_user, data, role):
    client = client_for({"owner": owner, "staff": staff, "admin": admin_user}[role])
    for url in form_urls:
        response = client.post(url, data)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)


@pytest.mark.parametrize("params", [
    {"unit": "abc", "status": "x", "page": "999", "q": "%' OR 1=1 --"},
    {"unit": "-5", "page": "-1", "former": "1", "q": "1234"},
])
def test_garbage_list_filters_never_crash(client_for, tree, owner, params):
    client = client_for(owner)
    assert client.get(reverse("members:list"), params).status_code == 200
    assert client.get(reverse("members:pipeline"), params).status_code == 200


@pytest.mark.parametrize("value", ["²", "½", "٣٣٣٣٣٣", "9" * 30])
def test_ids_that_only_look_like_numbers(client_for, tree, owner, staff, value):
    """"²".isdigit() is true, and int("²") a ValueError: every id from a query string or a form is
    either found in the user's scope or ignored / 404, never a crash."""
    from meetings.models import MeetingKind
    from meetings.services import meeting_create

    a = tree["branch_a"]
    meeting = meeting_create(actor=None, unit=a, kind=MeetingKind.GENERAL, date=dt.date(2025, 6, 20), topic="党员大会")
    client = client_for(owner)
    for name in ("members:list", "members:pipeline", "meetings:create", "members:recognitions"):
        assert client.get(reverse(name), {"unit": value}).status_code in (200, 404), name
    response = client.post(reverse("meetings:attendance_observer", args=[meeting.pk]), {"person": value})
    assert response.status_code == 302
    assert client_for(staff).get(reverse("reports:scorecards"), {"unit": value}).status_code in (200, 302, 404)
