"""The thin tasks: beat generation on the 1st, and a browser-requested regeneration that re-checks
the user's permission."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from branches.models import Notification, today
from branches.periods import Period
from config.celery_app import app
from dues import tasks
from dues.models import ArrearsCase, DuesDue

from .helpers import member

pytestmark = pytest.mark.django_db


def test_beat_runs_generation_on_the_first():
    entry = app.conf.beat_schedule["dues-generate-monthly"]
    assert entry["task"] == "dues.tasks.generate_month"
    assert entry["schedule"].day_of_month == {1}


def test_generate_month_creates_dues_and_notifies_lapse_cases(tree, owner):
    a = member(tree["branch_a"])
    this = Period.month_of(today())
    months = [this]
    for _ in range(6):
        months.insert(0, months[0].previous())
    for month in months[:-1]:
        tasks.generate_month(str(month))
    summary = tasks.generate_month()
    assert "新增应缴1条" in summary
    assert DuesDue.objects.filter(person=a).count() == 7
    case = ArrearsCase.objects.get(person=a)
    assert case.months == 6
    note = Notification.objects.get(user=owner)
    assert "连续6个月" in note.title
    tasks.generate_month()
    assert Notification.objects.filter(user=owner).count() == 1  # once per case


def test_generate_for_unit_rechecks_permission(tree, owner, staff):
    member(tree["branch_a"])
    month = str(Period.month_of(today()))
    with pytest.raises(PermissionDenied):
        tasks.generate_for_unit(staff.pk, tree["branch_a"].pk, month)
    assert DuesDue.objects.count() == 0
    assert "新增应缴1条" in tasks.generate_for_unit(owner.pk, tree["branch_a"].pk, month)
