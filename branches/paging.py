"""Paging of long lists (the roster, the meeting ledger)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def get_page(queryset: QuerySet[Any], number: Any, per_page: int) -> Page:
    """``Paginator(queryset, per_page).get_page(number)``, without the COUNT query when the list
    fits on its first page (a branch's roster): the first page is read with one row more than it
    shows, which says whether there is a second page; only then is the list counted."""
    try:
        first = int(number) == 1
    except (TypeError, ValueError):  # no page asked for, or not a number: get_page shows the first
        first = True
    if not first:
        return Paginator(queryset, per_page).get_page(number)
    rows = list(queryset[: per_page + 1])
    if len(rows) <= per_page:
        return Paginator(rows, per_page).page(1)
    return Page(rows[:per_page], 1, Paginator(queryset, per_page))
