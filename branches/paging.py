"""Paging of long lists (the roster, the meeting ledger, the committee grid, the 发展 pipeline)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from . import summaries


class CountedPaginator(Paginator):
    """A paginator whose count is kept among the summaries until one of ``reads`` (the models the
    list's query reads) changes: counting a committee's roster or meeting ledger takes PostgreSQL
    tens of milliseconds, on every page of it. The key is the query itself (filters and scope)."""

    def __init__(self, rows: QuerySet[Any], per_page: int, reads: Sequence[type[Model]]):
        super().__init__(rows, per_page)
        self.reads = reads

    @cached_property
    def count(self) -> int:
        try:
            sql, params = self.object_list.query.sql_with_params()
        except EmptyResultSet:  # a scope that matches nothing (no roles): Django counts it as 0
            return 0
        key = hashlib.sha256(f"{sql}\x00{params!r}".encode()).hexdigest()
        return summaries.cached("count", (self.object_list.db, key), self.reads, self.object_list.count)


def get_page(rows: QuerySet[Any] | Sequence[Any], number: Any, per_page: int,
             reads: Sequence[type[Model]] = ()) -> Page:
    """``Paginator(rows, per_page).get_page(number)``, without the COUNT query when the list
    fits on its first page (a branch's roster): the first page is read with one row more than it
    shows, which says whether there is a second page; only then is the list counted. ``reads``:
    the models a queryset reads, to keep its count (:class:`CountedPaginator`)."""
    try:
        first = int(number) == 1
    except (TypeError, ValueError):  # no page asked for, or not a number: get_page shows the first
        first = True
    paginator = CountedPaginator(rows, per_page, reads) if reads and isinstance(rows, QuerySet) else Paginator(rows, per_page)
    if not first:
        return paginator.get_page(number)
    head = list(rows[: per_page + 1])
    if len(head) <= per_page:
        return Paginator(head, per_page).page(1)
    return Page(head[:per_page], 1, paginator)


def paged(request: HttpRequest, rows: QuerySet[Any] | Sequence[Any], per_page: int,
          reads: Sequence[type[Model]] = ()) -> dict[str, Any]:
    """``page`` (from ``?page=``; junk or out of range gives the nearest page), ``page_numbers``
    (an elided range) and ``query`` (the other GET parameters, for the page links)."""
    page = get_page(rows, request.GET.get("page"), per_page, reads)
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "query": query.urlencode()}
