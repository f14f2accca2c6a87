"""Paging for long lists: one page of the rows and what ``includes/pagination.html`` needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paged(request: HttpRequest, rows: Sequence[Any] | QuerySet[Any], per_page: int) -> dict[str, Any]:
    """``page`` (from ``?page=``; junk or out of range gives the nearest page), ``page_numbers``
    (an elided range) and ``query`` (the other GET parameters, for the page links)."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "query": query.urlencode()}
