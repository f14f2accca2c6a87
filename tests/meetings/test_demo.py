"""The demo seed: months of confirmed meetings with attendance; branches in ``ctx.behind`` miss some."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from branches.models import OrgUnit, today
from branches.periods import Period
from meetings.compliance import evaluate
from meetings.models import AppraisalResult, Attendance, Meeting, MeetingStatus, Talk


# Seeded relative to today. Early December used to have no 民主评议 yet (held 15–28 December, and
# last December is out of the 12 months), and in a quarter's last month the branches behind had
# held every meeting of the last quarter: the demo now shows both on every day of the year.
@pytest.mark.clock("2026-12-04")
def test_small_demo_has_meetings_and_branches_behind(db):
    call_command("seed_demo", "--seed", "11", stdout=io.StringIO())
    assert Meeting.objects.filter(status=MeetingStatus.CONFIRMED).count() > 100
    assert Attendance.objects.filter(status="leave").exclude(reason="").exists()
    assert Talk.objects.exists()
    assert AppraisalResult.objects.filter(grade="excellent").exists()
    top = OrgUnit.objects.get(code="DW")
    last_quarter = Period.containing(today(), "quarter").previous()
    report = evaluate(top, last_quarter)
    statuses = {r.unit.code: r.status for r in report.units if r.unit.kind == "branch"}
    assert "missing" in statuses.values()  # the branches deliberately behind
    assert "met" in statuses.values()
    numbers = list(Meeting.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
