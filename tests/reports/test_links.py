"""``link`` is ``reverse`` plus a query string."""

import pytest
from django.urls import reverse

from reports.links import link


@pytest.mark.parametrize("name, args, query", [
    ("org:unit", (7,), {}),
    ("dues:unit", (12,), {"period": "2026Q1"}),
    ("dues:sheet", (5, "2026-03"), {}),
    ("meetings:cell", (), {"unit": 3, "code": "general", "period": "2026Q1"}),
])
def test_link_matches_reverse(name, args, query):
    expected = reverse(name, args=args)
    if query:
        from urllib.parse import urlencode

        expected += "?" + urlencode(query)
    assert link(name, *args, **query) == expected
