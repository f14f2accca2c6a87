"""``history_rows`` shows what ``prev_record`` / ``diff_against`` say, in one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.history import history_rows
from branches.models import OrgUnit, UnitKind
from tests.factories import make_unit

pytestmark = pytest.mark.django_db


def _expected(unit: OrgUnit, limit: int) -> list[tuple[int, list[tuple[str, object, object]]]]:
    rows = []
    for record in unit.history.all()[:limit]:
        previous = record.prev_record
        changes = [] if previous is None else [(c.field, c.old, c.new) for c in record.diff_against(previous).changes]
        rows.append((record.history_id, changes))
    return rows


def _shown(unit: OrgUnit, limit: int) -> list[tuple[int, list[tuple[str, object, object]]]]:
    verbose = {f.name: str(f.verbose_name) for f in OrgUnit._meta.get_fields() if hasattr(f, "verbose_name")}
    names = {label: name for name, label in verbose.items()}
    return [(row["record"].history_id, [(names[c["field"]], c["old"], c["new"]) for c in row["changes"]])
            for row in history_rows(unit.history.all(), limit)]


@pytest.fixture
def unit():
    unit = make_unit(UnitKind.COMMITTEE, name="机关党委")
    for number in range(5):
        unit.name = f"第{number}机关党委"
        if number == 2:
            unit.founded_on = dt.date(2020, 1, 1)
        unit.save()
    return unit


@pytest.mark.parametrize("limit", [1, 2, 5, 6, 30])
def test_same_rows_and_changes_as_prev_record(unit, limit):
    assert _shown(unit, limit) == _expected(unit, limit)


def test_one_query_when_the_oldest_version_is_shown(unit):
    with CaptureQueriesContext(connection) as queries:
        rows = history_rows(unit.history.all(), 30)
    assert len(rows) == 6 and len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        history_rows(unit.history.all(), 3)
    assert len(queries) == 1  # the fourth version read along is the third one's previous


def test_versions_saved_in_the_same_instant(unit):
    """prev_record skips versions with the same timestamp: so do the rows."""
    newest = list(unit.history.all()[:3])
    unit.history.filter(history_id__in=[r.history_id for r in newest]).update(history_date=newest[0].history_date)
    for limit in (1, 2, 3, 4, 30):
        assert _shown(unit, limit) == _expected(unit, limit)
