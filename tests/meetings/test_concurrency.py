"""Two people editing the same meeting: the first save wins, the second is refused with a clear
message instead of silently overwriting (optimistic locking on ``Meeting.version``), and the
second person's typing stays on their page."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from branches.models import RoleKind, today
from meetings import services
from meetings.models import Amendment, Meeting, MeetingKind, MeetingStatus
from tests.concurrency import Session, run_together, wait_for_lock_wait
from tests.factories import ensure_rule_tables, make_person, make_user

YESTERDAY = today() - dt.timedelta(days=1)


@pytest.fixture
def meeting(tree):
    ensure_rule_tables()
    make_person(tree["branch_a"])
    return services.meeting_create(actor=None, unit=tree["branch_a"], kind=MeetingKind.GENERAL, date=YESTERDAY,
                                   topic="学习党的二十大精神")


@pytest.fixture
def deputy(tree):
    return make_user(tree["branch_a"], RoleKind.SECRETARY, username="deputy")


# --- the service -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_save_based_on_an_older_version_is_refused(meeting):
    opened_at = meeting.version
    services.meeting_update(actor=None, meeting=meeting, expected_version=opened_at, minutes="甲的记录")
    with pytest.raises(ValidationError) as refused:
        services.meeting_update(actor=None, meeting=meeting, expected_version=opened_at, minutes="乙的记录")
    assert refused.value.messages == ["该会议已被他人修改，请刷新后重试。"]
    meeting.refresh_from_db()
    assert meeting.minutes == "甲的记录" and meeting.version == opened_at + 1
    # without a version (an import, a service caller that locked the row itself) nothing changes
    services.meeting_update(actor=None, meeting=meeting, place="党员活动室")
    assert Meeting.objects.get(pk=meeting.pk).version == opened_at + 2


@pytest.mark.django_db
def test_confirm_void_and_amend_move_the_version(meeting):
    before = meeting.version
    confirmed = services.meeting_confirm(actor=None, meeting=meeting)
    assert confirmed.version == before + 1
    with pytest.raises(ValidationError, match="该会议已被他人修改"):
        services.meeting_amend(actor=None, meeting=meeting, reason="补记", expected_version=before, minutes="补记内容")
    services.meeting_amend(actor=None, meeting=meeting, reason="补记", expected_version=confirmed.version,
                           minutes="补记内容")
    assert Amendment.objects.filter(meeting=meeting).count() == 1
    voided = services.meeting_void(actor=None, meeting=meeting, reason="重复录入")
    assert voided.version == before + 3 and voided.status == MeetingStatus.VOID


# --- two connections on PostgreSQL ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_second_editor_waits_for_the_first_then_is_refused(meeting, owner, deputy):
    opened_at = meeting.version  # both opened the form at this version
    saved, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            services.meeting_update(actor=owner, meeting=meeting, expected_version=opened_at, minutes="甲的记录")
            saved.set()
            release.wait(10)

    one = Session(first)
    one.start()
    assert saved.wait(10)
    two = Session(lambda: services.meeting_update(actor=deputy, meeting=meeting, expected_version=opened_at,
                                                  minutes="乙的记录"))
    two.start()
    wait_for_lock_wait()  # the second save waits on the first's row lock
    release.set()
    one.finish(), two.finish()

    assert one.error is None
    assert isinstance(two.error, ValidationError) and two.error.messages == ["该会议已被他人修改，请刷新后重试。"]
    meeting.refresh_from_db()
    assert meeting.minutes == "甲的记录" and meeting.version == opened_at + 1
    assert meeting.history.filter(minutes="乙的记录").count() == 0  # no lost update, even in the history


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_editors_save_at_once_and_exactly_one_wins(meeting):
    opened_at = meeting.version
    sessions = run_together([
        (lambda n=n: services.meeting_update(actor=None, meeting=meeting, expected_version=opened_at,
                                             minutes=f"第{n}位的记录"))
        for n in range(4)
    ])
    winners = [s for s in sessions if s.error is None]
    assert len(winners) == 1
    assert all(isinstance(s.error, ValidationError) for s in sessions if s.error is not None)
    meeting.refresh_from_db()
    assert meeting.minutes == winners[0].result.minutes and meeting.version == opened_at + 1


# --- the pages -----------------------------------------------------------------------------------------


def form_data(meeting: Meeting, version: int, **changes) -> dict:
    data = {name: getattr(meeting, name) or "" for name in services.MEETING_FIELDS}
    data.update(date=meeting.date.isoformat(), also_lecture="", also_general="", version=version, **changes)
    return {k: v for k, v in data.items() if v is not False}


@pytest.mark.django_db
def test_edit_page_refuses_a_stale_save_and_keeps_what_was_typed(meeting, owner, deputy, client):
    url = reverse("meetings:edit", args=[meeting.pk])
    client.force_login(deputy)
    assert f'name="version" value="{meeting.version}"' in client.get(url).content.decode()
    opened_at = meeting.version

    client.force_login(owner)
    assert client.post(url, form_data(meeting, opened_at, minutes="书记整理的会议记录")).status_code == 302

    client.force_login(deputy)
    typed = "副书记补充的发言要点：一是……二是……"
    response = client.post(url, form_data(meeting, opened_at, minutes=typed))
    page = response.content.decode()
    assert response.status_code == 200
    assert "该会议已被他人修改，请刷新后重试。" in page
    assert typed in page  # their text is still in the form
    assert "在新窗口查看他人修改后的记录" in page
    assert Meeting.objects.get(pk=meeting.pk).minutes == "书记整理的会议记录"

    fresh = client.get(url).content.decode()  # after a refresh the form carries the new version
    assert f'name="version" value="{opened_at + 1}"' in fresh
    assert client.post(url, form_data(meeting, opened_at + 1, minutes=typed)).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).minutes == typed


@pytest.mark.django_db
def test_amend_page_refuses_a_stale_correction(meeting, owner, deputy, client):
    confirmed = services.meeting_confirm(actor=owner, meeting=meeting)
    url = reverse("meetings:amend", args=[meeting.pk])
    client.force_login(owner)
    assert client.post(url, form_data(confirmed, confirmed.version, topic="学习党的二十届三中全会精神",
                                      reason="主题录错")).status_code == 302
    client.force_login(deputy)
    response = client.post(url, form_data(confirmed, confirmed.version, place="第二会议室", reason="地点补记"))
    assert response.status_code == 200
    assert "该会议已被他人修改，请刷新后重试。" in response.content.decode()
    assert "地点补记" in response.content.decode()
    assert list(Amendment.objects.filter(meeting=meeting).values_list("reason", flat=True)) == ["主题录错"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_meetings_recorded_for_the_same_day_at_once_get_their_own_numbers(tree):
    """Both pick the day's first number; the second waits for the first's commit, then takes the next."""
    ensure_rule_tables()
    unit = tree["branch_a"]
    created, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            meeting = services.meeting_create(actor=None, unit=unit, kind=MeetingKind.COMMITTEE, date=YESTERDAY,
                                              topic="研究发展党员")
            created.set()
            release.wait(10)
        return meeting

    one = Session(first)
    one.start()
    assert created.wait(10)
    two = Session(lambda: services.meeting_create(actor=None, unit=unit, kind=MeetingKind.LECTURE, date=YESTERDAY,
                                                  topic="专题党课"))
    two.start()
    wait_for_lock_wait()
    release.set()
    one.finish(), two.finish()
    assert one.error is None and two.error is None, repr(two.error)
    prefix = f"{unit.code}-{YESTERDAY:%Y%m%d}-"
    assert sorted(Meeting.objects.values_list("number", flat=True)) == [f"{prefix}01", f"{prefix}02"]
    assert two.result.number == f"{prefix}02"
