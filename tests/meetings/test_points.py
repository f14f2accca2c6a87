"""Attendance feeds the automatic 积分 items, and the scores agree with the attendance records."""

import datetime as dt

import pytest

from dues.models import PointsSource
from dues.points import points_compute_automatic, points_sheet_open
from meetings.models import AttendanceStatus, MeetingKind, MeetingStatus
from meetings.services import attendance_set, makeup_record
from tests.factories import make_person

from .conftest import held


@pytest.mark.django_db
def test_automatic_points_agree_with_attendance(tree):
    branch = tree["branch_a"]
    alice, bob, carol = (make_person(branch) for _ in range(3))
    general = held(branch, MeetingKind.GENERAL, dt.date(2026, 3, 5), status=MeetingStatus.DRAFT)
    theme = held(branch, MeetingKind.THEME_DAY, dt.date(2026, 3, 20), also_lecture=True, status=MeetingStatus.DRAFT)
    committee = held(branch, MeetingKind.COMMITTEE, dt.date(2026, 3, 25), status=MeetingStatus.DRAFT)
    attendance_set(actor=None, meeting=general, person=bob, status=AttendanceStatus.ABSENT)
    row = attendance_set(actor=None, meeting=theme, person=carol, status=AttendanceStatus.LEAVE, reason="出差")
    makeup_record(actor=None, attendance=row, on=dt.date(2026, 3, 28), note="自学讲稿")
    held(branch, MeetingKind.GENERAL, dt.date(2026, 4, 2), status=MeetingStatus.DRAFT)  # next month: not counted
    for meeting in (general, theme, committee):
        meeting.status = MeetingStatus.CONFIRMED
        meeting.save(update_fields=["status"])

    sheet = points_sheet_open(actor=None, unit=branch, month=dt.date(2026, 3, 1))
    outcome = points_compute_automatic(actor=None, sheet=sheet)
    assert not outcome.not_connected
    scored = {(e.person_id, e.item.source): e.count for e in sheet.entries.select_related("item")}
    # 党员大会 and 主题党日 (counted once although it is also a 党课); 支委会 earns nothing.
    assert scored[(alice.pk, PointsSource.ATTENDANCE)] == 2
    assert scored[(bob.pk, PointsSource.ATTENDANCE)] == 1
    assert scored[(bob.pk, PointsSource.ABSENCE)] == 1
    assert scored[(carol.pk, PointsSource.ATTENDANCE)] == 1
    assert scored[(carol.pk, PointsSource.MAKEUP)] == 1
    assert (alice.pk, PointsSource.ABSENCE) not in scored


@pytest.mark.django_db
def test_drafts_do_not_score(tree):
    branch = tree["branch_a"]
    person = make_person(branch)
    held(branch, MeetingKind.GENERAL, dt.date(2026, 3, 5), status=MeetingStatus.DRAFT)
    sheet = points_sheet_open(actor=None, unit=branch, month=dt.date(2026, 3, 1))
    points_compute_automatic(actor=None, sheet=sheet)
    assert not sheet.entries.filter(person=person, item__source=PointsSource.ATTENDANCE).exists()
