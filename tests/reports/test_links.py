"""``link`` builds the same URLs as ``reverse`` (it reverses each pattern once)."""

import pytest
from django.urls import reverse

from reports.links import link


@pytest.mark.parametrize("name, args, query", [
    ("org:unit", (7,), {}),
    ("dues:unit", (12,), {"period": "2026Q1"}),
    ("dues:sheet", (5, "2026-03"), {}),
    ("meetings:cell", (), {"unit": 3, "code": "general", "period": "2026Q1"}),
    ("org:unit", (987654321,), {}),  # the placeholder's own digits as a real id
])
def test_link_matches_reverse(name, args, query):
    expected = reverse(name, args=args)
    if query:
        from urllib.parse import urlencode

        expected += "?" + urlencode(query)
    assert link(name, *args, **query) == expected


def test_link_with_two_ids_one_of_them_the_placeholder():
    assert link("meetings:attendance_set", 987654321, 4) == reverse("meetings:attendance_set", args=[987654321, 4])
