"""``get_page`` gives what ``Paginator.get_page`` gives and reads a list that fits on one page with
one query."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import OrgUnit, UnitKind
from branches.paging import get_page
from tests.factories import make_unit

pytestmark = pytest.mark.django_db


def _shape(page):
    return (page.number, [unit.pk for unit in page.object_list], page.paginator.count, page.paginator.num_pages,
            page.has_next(), page.has_previous(), page.start_index(), page.end_index(),
            list(page.paginator.get_elided_page_range(page.number, on_each_side=2)))


@pytest.mark.parametrize("size", [0, 1, 4, 5, 6, 11])
def test_same_page_as_paginator(size):
    committee = make_unit(UnitKind.COMMITTEE)
    for _ in range(size):
        make_unit(UnitKind.BRANCH, committee)
    units = OrgUnit.objects.filter(parent=committee).order_by("path")
    for number in (None, "", "1", "2", "3", "0", "-1", "abc", "99", "1.5", 1, 2):
        expected = _shape(Paginator(units, 5).get_page(number))
        assert _shape(get_page(units, number, 5)) == expected, number


def test_a_list_that_fits_is_not_counted():
    committee = make_unit(UnitKind.COMMITTEE)
    for _ in range(3):
        make_unit(UnitKind.BRANCH, committee)
    units = OrgUnit.objects.filter(parent=committee).order_by("path")
    with CaptureQueriesContext(connection) as queries:
        page = get_page(units, None, 5)
        assert (page.paginator.count, page.paginator.num_pages, len(page.object_list)) == (3, 1, 3)
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        page = get_page(units, "1", 2)
        assert (page.paginator.count, page.paginator.num_pages, len(page.object_list)) == (3, 2, 2)
    assert len(queries) == 2  # a second page exists: counted, as Paginator does


def test_a_list_that_can_match_nothing_counts_zero():
    committee = make_unit(UnitKind.COMMITTEE)
    for _ in range(3):
        make_unit(UnitKind.BRANCH, committee)
    nothing = OrgUnit.objects.filter(pk__in=[]).order_by("path")  # an empty scope: Django compiles no SQL
    page = get_page(nothing, "2", 2)
    assert (page.number, page.paginator.count, list(page.object_list)) == (1, 0, [])


def test_a_long_lists_count_is_kept_until_its_subject_is_written(settings):
    """A committee's roster is counted once; the count is read from the cache on the next page and
    counted again once a service writes what the list reads (``caching.bump``)."""
    from branches import caching

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "paging"}}
    committee = make_unit(UnitKind.COMMITTEE)
    for _ in range(6):
        make_unit(UnitKind.BRANCH, committee)
    units = OrgUnit.objects.filter(parent=committee).order_by("path")

    def count_queries(number: str) -> int:
        expected = units.count()
        with CaptureQueriesContext(connection) as queries:
            page = get_page(units, number, 5, subjects=("units",))
            shown = page.paginator.count
        assert shown == expected
        return sum("COUNT(" in q["sql"].upper() for q in queries.captured_queries)

    assert count_queries("2") == 1
    assert count_queries("2") == 0  # kept
    make_unit(UnitKind.BRANCH, committee)
    caching.bump("units")
    assert count_queries("2") == 1  # counted afresh after a write
