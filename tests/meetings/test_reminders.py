"""Reminders: 10 and 3 days before a period ends, once per unit, rule and period."""

from __future__ import annotations

import datetime as dt

import pytest

from branches.models import Notification, OfficerRole, RoleKind
from branches.services import officer_appoint
from meetings.models import MeetingKind
from meetings.reminders import due_reminders_send, weekly_digest_send
from meetings.tasks import send_meeting_reminders
from tests.factories import make_person, make_user
from tests.reports.test_jobs import celery_worker_process  # noqa: F401  (the real-worker fixture)

from .conftest import held


def titles(user):
    return sorted(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_ten_and_three_days_before_the_end_once_each(tree, owner, outsider):
    held(tree["branch_b"], MeetingKind.GENERAL, dt.date(2025, 9, 1))
    assert due_reminders_send(on=dt.date(2025, 9, 19)) == 0  # 11 days before the end of Q3 and September
    sent = due_reminders_send(on=dt.date(2025, 9, 20))
    assert sent > 0
    owner_titles = titles(owner)
    assert "第一党支部2025年第三季度党员大会尚未完成" in owner_titles
    assert "第一党支部2025年9月主题党日尚未完成" in owner_titles
    assert not any("党员大会" in t for t in titles(outsider))  # branch B held its 党员大会
    assert not any("党小组会" in t for t in titles(outsider))
    # The 党小组's monthly meeting reminds the branch secretary too.
    assert "第一党小组2025年9月党小组会尚未完成" in owner_titles
    # Running again the same day or the next day sends nothing new.
    assert due_reminders_send(on=dt.date(2025, 9, 20)) == 0
    assert due_reminders_send(on=dt.date(2025, 9, 21)) == 0
    # Three days before: a second reminder for what is still due, but not for what was done meanwhile.
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2025, 9, 25))
    before = Notification.objects.filter(user=owner).count()
    assert due_reminders_send(on=dt.date(2025, 9, 27)) > 0
    new = Notification.objects.filter(user=owner).order_by("-id")[: Notification.objects.filter(user=owner).count()
                                                                  - before]
    assert not any("党员大会" in n.title for n in new)
    assert any("主题党日" in n.title for n in new)
    assert due_reminders_send(on=dt.date(2025, 9, 28)) == 0


def test_no_reminder_for_met_rules_or_closed_periods(tree, owner):
    for month in (7, 8, 9):
        held(tree["branch_a"], MeetingKind.THEME_DAY, dt.date(2025, month, 5))
    due_reminders_send(on=dt.date(2025, 9, 25))
    assert not any("主题党日" in t for t in titles(owner))
    assert due_reminders_send(on=dt.date(2025, 10, 1)) == 0  # 30 days before October ends


def test_weekly_digest_once_a_week(tree, staff, owner):
    secretary = make_person(tree["branch_a"])
    officer_appoint(actor=None, unit=tree["branch_a"], person=secretary, role=OfficerRole.SECRETARY,
                    started_on=dt.date(2024, 1, 1))
    assert weekly_digest_send(on=dt.date(2025, 8, 4)) == 1
    assert weekly_digest_send(on=dt.date(2025, 8, 6)) == 0
    assert weekly_digest_send(on=dt.date(2025, 8, 11)) == 1
    digest = Notification.objects.filter(user=staff).first()
    assert "组织生活周报" in digest.title and "第一党支部" in digest.body
    assert not Notification.objects.filter(user=owner, key__startswith="meetings:digest").exists()


def test_task_is_thin_and_idempotent(tree, owner, settings, monkeypatch):
    monkeypatch.setattr("meetings.tasks.today", lambda: dt.date(2025, 12, 28))
    first = send_meeting_reminders.delay().get()
    assert first > 0
    assert send_meeting_reminders.delay().get() == 0
    viewer = make_user(tree["branch_a"], RoleKind.VIEWER, username="v2")
    assert not Notification.objects.filter(user=viewer).exists()


def _wait(condition, seconds=60):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError("the worker did not finish in time")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_sends_reminders_once(tree, owner, staff, celery_worker_process):  # noqa: F811
    from config.celery_app import app
    from meetings.tasks import send_compliance_digest

    app.control.purge()  # nothing left over from an earlier run
    # The solo worker runs tasks in order: a digest queued after the reminders marks their end.
    send_meeting_reminders.delay(on="2025-09-20")
    send_compliance_digest.delay(on="2025-09-15")
    _wait(lambda: Notification.objects.filter(user=staff).count() == 1)
    first = Notification.objects.filter(user=owner).count()
    assert first > 0
    send_meeting_reminders.delay(on="2025-09-20")
    send_meeting_reminders.delay(on="2025-09-22")
    send_compliance_digest.delay(on="2025-09-22")  # the next week: a second digest
    _wait(lambda: Notification.objects.filter(user=staff).count() == 2)
    assert Notification.objects.filter(user=owner).count() == first


def test_reminder_is_also_mailed_when_the_secretary_has_an_address(tree, owner, mailoutbox):
    owner.email = "shuji@example.com"
    owner.save()
    sent = due_reminders_send(on=dt.date(2025, 9, 20))
    assert sent > 0 and len(mailoutbox) == sent
    assert mailoutbox[0].to == ["shuji@example.com"] and "尚未完成" in mailoutbox[0].subject
    due_reminders_send(on=dt.date(2025, 9, 20))
    assert len(mailoutbox) == sent  # no second mail either
