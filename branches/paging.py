"""Paging of long lists (the roster, the meeting ledger, the committee grid, the 发展 pipeline)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from . import caching


class CountedPaginator(Paginator):
    """A paginator whose COUNT is kept in Django's cache until a service writes one of ``subjects``
    (``branches.caching``). Counting a committee's roster or meeting ledger takes PostgreSQL 10–15
    ms on every page of it: on the large demo (2026-12-05) the committee's roster page took 26 ms
    with the count and 12 ms without, and ``make load`` missed its p95 ≤ 500 ms in 2 of 4 runs
    (p95 531 and 548 ms) until the count was kept. The key is the query itself (filters and scope)."""

    def __init__(self, rows: QuerySet[Any], per_page: int, subjects: Sequence[str]) -> None:
        super().__init__(rows, per_page)
        self.subjects = subjects

    @cached_property
    def count(self) -> int:
        try:
            sql, params = self.object_list.query.sql_with_params()
        except EmptyResultSet:  # a scope that matches nothing (no roles): Django counts it as 0
            return 0
        query = hashlib.sha256(f"{self.object_list.db}\x00{sql}\x00{params!r}".encode()).hexdigest()
        return cache.get_or_set(caching.versioned_key("count", query, subjects=self.subjects), self.object_list.count)


def get_page(rows: QuerySet[Any] | Sequence[Any], number: Any, per_page: int, subjects: Sequence[str] = ()) -> Page:
    """``Paginator(rows, per_page).get_page(number)``, without the COUNT query when the list
    fits on its first page (a branch's roster): the first page is read with one row more than it
    shows, which says whether there is a second page; only then is the list counted (and the
    count kept until one of ``subjects`` is written, :class:`CountedPaginator`)."""
    try:
        first = int(number) == 1
    except (TypeError, ValueError):  # no page asked for, or not a number: get_page shows the first
        first = True
    counted = subjects and isinstance(rows, QuerySet)
    paginator = CountedPaginator(rows, per_page, subjects) if counted else Paginator(rows, per_page)
    if not first:
        return paginator.get_page(number)
    head = list(rows[: per_page + 1])
    if len(head) <= per_page:
        return Paginator(head, per_page).page(1)
    return Page(head[:per_page], 1, paginator)


def paged(request: HttpRequest, rows: QuerySet[Any] | Sequence[Any], per_page: int,
          subjects: Sequence[str] = ()) -> dict[str, Any]:
    """``page`` (from ``?page=``; junk or out of range gives the nearest page), ``page_numbers``
    (an elided range) and ``query`` (the other GET parameters, for the page links)."""
    page = get_page(rows, request.GET.get("page"), per_page, subjects)
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "query": query.urlencode()}
