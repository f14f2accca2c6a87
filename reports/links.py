"""Links to records, with a query string: the evidence of scorecard items, the to-dos."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse


def link(name: str, *args: int | str, **query: Any) -> str:
    """``reverse(name, args=args)`` plus ``?query``."""
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url
