"""``history_rows`` shows what ``prev_record`` / ``diff_against`` say, in one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.history import history_rows, versions_of
from branches.models import OrgUnit, UnitKind
from meetings.models import MeetingKind, MeetingStatus
from meetings.services import meeting_confirm, meeting_update
from tests.factories import make_person, make_unit, make_user
from tests.meetings.conftest import held

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


# --- what a person reads (issue 16, finding 7) ---------------------------------------------------


@pytest.fixture
def confirmed_meeting(tree):
    make_person(tree["branch_a"])
    secretary = make_user(tree["branch_a"], first_name="王书记")
    meeting = held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2025, 6, 20), status=MeetingStatus.DRAFT)
    return meeting_confirm(actor=secretary, meeting=meeting), secretary


def _changes(meeting) -> dict[str, tuple[object, object]]:
    newest = history_rows(versions_of(meeting), 1)[0]
    return {c["field"]: (c["old"], c["new"]) for c in newest["changes"]}


def test_a_change_shows_names_and_chinese_labels(confirmed_meeting):
    meeting, _ = confirmed_meeting
    changes = _changes(meeting)
    assert changes["确认人"] == (None, "王书记")  # not the account's id
    assert changes["状态"] == ("草稿", "已确认")  # not draft → confirmed
    assert changes["确认时间"][0] is None and changes["确认时间"][1] == meeting.confirmed_at


def test_booleans_and_emptied_text_read_as_words(tree):
    meeting = held(tree["branch_a"], MeetingKind.THEME_DAY, dt.date(2025, 6, 20), status=MeetingStatus.DRAFT,
                   place="会议室")
    meeting_update(actor=None, meeting=meeting, also_lecture=True, place="")
    changes = _changes(meeting)
    assert changes["同时作为党课"] == ("否", "是")
    assert changes["地点"] == ("会议室", None)


def test_names_cost_one_query_per_related_model_and_only_when_needed(confirmed_meeting, tree):
    meeting, _ = confirmed_meeting
    with CaptureQueriesContext(connection) as queries:
        history_rows(versions_of(meeting), 30)
    assert len(queries) == 2  # the versions, and the accounts named in them
    unit = tree["branch_a"]
    unit.name = "改名后的支部"
    unit.save()
    with CaptureQueriesContext(connection) as queries:
        history_rows(unit.history.all(), 30)
    assert len(queries) == 1


def test_the_meeting_page_shows_the_panel_in_chinese(client_for, confirmed_meeting):
    meeting, secretary = confirmed_meeting
    page = client_for(secretary).get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "确认人：<del>（空）</del> → 王书记" in page
    assert "状态：<del>草稿</del> → 已确认" in page
    assert "draft" not in page.split("修改记录")[1]
