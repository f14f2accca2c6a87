"""The access matrix: every URL pattern that takes an id, requested by every account that may not
touch the object behind it (plus the pages that take a unit in the query string or the POST body).

Generated from Django's URL resolver, so a new view cannot escape it: a pattern with kwargs and no
entry in ``tests/url_cases.py`` :func:`cases` fails here by name. The objects all live in branch A;
the accounts (branches/access.py conventions):

* ``outsider`` — secretary of branch B, same committee: 404 (the object's existence is not revealed);
* ``other_staff`` — committee staff of another committee: 404;
* ``norole`` — logged in, no role anywhere: 404;
* ``viewer`` — read-only on branch A: reads work (200), change forms and every POST are 403; what
  belongs to one account (an export job, an import batch) is 404 to everyone else.

Every POST is the valid body the entitled account succeeds with (checked by
``test_entitled_account_succeeds``), and must change nothing in the database. Anonymous requests
to every pattern go to the login page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from .url_cases import (
    EXCLUDED_PREFIXES,
    SCOPED_BY_QUERY,
    Case,
    Pattern,
    all_patterns,
    changed,
    declared_methods,
    excluded,
    portal_patterns,
    snapshot,
    url_of,
)

PATTERNS = portal_patterns()
# Every pattern with kwargs, and those that take a unit in the query string or the POST body.
MATRIX = [p for p in PATTERNS if p.kwargs or p.name in SCOPED_BY_QUERY]
ROLES = ("outsider", "viewer", "other_staff", "norole")
APPS = ("branches", "members", "meetings", "dues", "reports")

# Patterns an anonymous visitor may open, with the reason.
ANONYMOUS_ALLOWED = {"login": "the login page itself"}


def case_for(world: Any, pattern: Pattern) -> Case:
    case = world.cases.get(pattern.name)
    if case is None:
        pytest.fail(
            f"URL pattern {pattern.name!r} (/{pattern.route}) has no case in tests/url_cases.py cases(): add the kwargs "
            "of an object in branch A (and a valid POST body if it takes POST) so that the access matrix and the "
            "form fuzzer cover the new view.", pytrace=False)
    if set(case.kwargs) != set(pattern.kwargs):
        pytest.fail(f"{pattern.name}: the case gives kwargs {sorted(case.kwargs)}, the pattern takes "
                    f"{sorted(pattern.kwargs)}", pytrace=False)
    return case


def client_as(world: Any, who: str) -> Client:
    client = Client()
    if who:
        client.force_login(getattr(world, who))
    return client


def errors_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= messages.ERROR]


def expected(case: Case, role: str) -> tuple[int, int]:
    """(GET status, POST status) for ``role`` on ``case``'s object."""
    if role in case.expect:
        return case.expect[role]
    if role == "viewer" and not case.owned:
        return (403 if case.write_page else 200), 403
    return 404, 404


def fetch(client: Client, method: str, url: str, case: Case) -> Any:
    response = client.get(url) if method == "GET" else client.post(url, case.body())
    if getattr(response, "streaming", False):
        response.getvalue()  # read through the test client's wrapper (a bare close() ends the DB connection)
    return response


@pytest.mark.parametrize("pattern", MATRIX, ids=str)
def test_entitled_account_succeeds(portal_world, db, pattern):
    """The control: the request the matrix replays works for the account entitled to it, so a 404
    or 403 below is the access check speaking, not a broken URL or a bad POST body."""
    case = case_for(portal_world, pattern)
    client, url = client_as(portal_world, case.as_user), url_of(pattern, case)
    if "GET" in pattern.methods:
        response = fetch(client, "GET", url, case)
        assert response.status_code == 200, f"{case.as_user} GET {url} ({pattern}): {response.status_code}"
    if "POST" in pattern.methods:
        before = snapshot()
        response = fetch(client, "POST", url, case)
        form_errors = re.findall(r'id="error_\d+_(\w+)"><strong>([^<]*)', response.content.decode())  # crispy-forms'
        assert response.status_code == 302, (
            f"{case.as_user} POST {url} ({pattern}): {response.status_code} {form_errors} {errors_of(response)}")
        assert not errors_of(response), f"{pattern}: {errors_of(response)}"
        if case.changes:
            assert changed(before, snapshot()), f"{pattern}: the entitled POST changed nothing in the database"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("pattern", MATRIX, ids=str)
def test_role_is_kept_to_its_scope(portal_world, db, pattern, role):
    case = case_for(portal_world, pattern)
    client, url = client_as(portal_world, role), url_of(pattern, case)
    get_status, post_status = expected(case, role)
    if "GET" in pattern.methods:
        response = fetch(client, "GET", url, case)
        assert response.status_code == get_status, (
            f"{role} GET {url} ({pattern}): {response.status_code}, expected {get_status} {case.note}")
    if "POST" in pattern.methods:
        before = snapshot()
        response = fetch(client, "POST", url, case)
        assert response.status_code == post_status, (
            f"{role} POST {url} ({pattern}): {response.status_code}, expected {post_status} {case.note}")
        if post_status != 302:
            assert not changed(before, snapshot()), f"{role} POST {url} ({pattern}) changed {changed(before, snapshot())}"


@pytest.mark.parametrize("pattern", PATTERNS, ids=str)
def test_anonymous_is_sent_to_login(portal_world, db, pattern):
    client = Client()
    if pattern.name in ANONYMOUS_ALLOWED:
        assert client.get(url_of(pattern)).status_code == 200
        return
    case = case_for(portal_world, pattern) if pattern.kwargs else portal_world.cases.get(pattern.name, Case())
    url = url_of(pattern, case)
    for method in pattern.methods:
        before = snapshot()
        response = fetch(client, method, url, case)
        status = response.status_code
        assert status in (302, 403, 404, 405), f"anonymous {method} {url} ({pattern}): {status}"
        if status == 302:
            assert response.url.startswith(reverse("login")), f"anonymous {method} {url} ({pattern}) → {response.url}"
        assert not changed(before, snapshot()), f"anonymous {method} {url} ({pattern})"


def test_every_portal_view_declares_its_methods():
    """Wrong methods get 405, and the matrix knows which methods to try."""
    loose = [p.name for p in PATTERNS if p.callback.__module__.split(".")[0] in APPS and declared_methods(p.callback) is None]
    assert not loose, f"views without require_GET / require_POST / require_http_methods: {loose}"


def test_every_case_names_a_pattern(portal_world):
    names = {p.name for p in all_patterns()}
    assert not {name.split("#")[0] for name in portal_world.cases} - names, "cases for URL patterns that no longer exist"
    assert names >= SCOPED_BY_QUERY
    for name in SCOPED_BY_QUERY:
        case = portal_world.cases[name]
        assert case.query or "unit" in case.body() or "p-unit" in case.body(), f"{name} names no unit"


def test_only_the_admin_is_left_out():
    left_out = {p.route.split("/")[0] + "/" for p in all_patterns() if excluded(p)}
    assert left_out <= set(EXCLUDED_PREFIXES)
    assert "admin/" in left_out
