"""Paging of long lists (the roster, the meeting ledger, the committee grid, the 发展 pipeline)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def get_page(rows: QuerySet[Any] | Sequence[Any], number: Any, per_page: int) -> Page:
    """``Paginator(rows, per_page).get_page(number)``, without the COUNT query when the list
    fits on its first page (a branch's roster): the first page is read with one row more than it
    shows, which says whether there is a second page; only then is the list counted."""
    try:
        first = int(number) == 1
    except (TypeError, ValueError):  # no page asked for, or not a number: get_page shows the first
        first = True
    paginator = Paginator(rows, per_page)
    if not first:
        return paginator.get_page(number)
    head = list(rows[: per_page + 1])
    if len(head) <= per_page:
        return Paginator(head, per_page).page(1)
    return Page(head[:per_page], 1, paginator)


def paged(request: HttpRequest, rows: QuerySet[Any] | Sequence[Any], per_page: int) -> dict[str, Any]:
    """``page`` (from ``?page=``; junk or out of range gives the nearest page), ``page_numbers``
    (an elided range) and ``query`` (the other GET parameters, for the page links)."""
    page = get_page(rows, request.GET.get("page"), per_page)
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "query": query.urlencode()}
