"""Links to records, built for thousands of scorecard items and to-dos at a time."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from branches.links import fast_reverse


def link(name: str, *args: int | str, **query: Any) -> str:
    """``reverse(name, args=args)`` plus a query string; each URL pattern is reversed once (see
    ``branches/links.py``), since a committee's scorecards need thousands of links."""
    url = fast_reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url
