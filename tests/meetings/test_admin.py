"""The administrator edits the compliance rules in the Django admin (rules are data)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from meetings import services
from meetings.models import ComplianceRule
from tests.factories import make_person


def test_seeded_rules_carry_their_source(db):
    rules = {rule.code: rule for rule in ComplianceRule.objects.filter(scope_unit__isnull=True)}
    assert set(rules) == {"general-meeting", "committee-meeting", "group-meeting", "lecture", "secretary-lecture",
                          "theme-day", "life-meeting", "appraisal", "talk"}
    assert rules["general-meeting"].period == "quarter" and "第十一条" in rules["general-meeting"].source
    assert rules["committee-meeting"].applies_to == "branch_committee"
    assert rules["secretary-lecture"].secretary_lecture and rules["secretary-lecture"].period == "year"
    assert all(rule.effective_from.isoformat() == "2018-10-28" for rule in rules.values())


def test_admin_lists_and_changes_a_rule(client, admin_user, staff):
    client.force_login(admin_user)
    assert client.get(reverse("admin:meetings_compliancerule_changelist")).status_code == 200
    rule = ComplianceRule.objects.get(code="lecture")
    url = reverse("admin:meetings_compliancerule_change", args=[rule.pk])
    assert client.get(url).status_code == 200
    data = {"code": "lecture", "name": "党课", "counts": "lecture", "applies_to": "branch", "min_count": 1,
            "period": "quarter", "effective_from": "2018-10-28", "effective_to": "2026-06-30",
            "source": rule.source, "order": 40}
    assert client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert rule.effective_to.isoformat() == "2026-06-30"
    assert rule.history.count() == 1  # the change is recorded (the migration wrote no history row)
    # A second version overlapping the first is refused.
    add = reverse("admin:meetings_compliancerule_add")
    response = client.post(add, {**data, "effective_from": "2026-06-01", "effective_to": ""})
    assert response.status_code == 200 and "重叠" in response.content.decode()
    assert client.post(add, {**data, "effective_from": "2026-07-01", "effective_to": "", "period": "half"}).status_code == 302
    client.force_login(staff)
    assert client.get(reverse("admin:meetings_compliancerule_changelist")).status_code == 302  # not an admin
    for path in ("meetings_meeting", "meetings_talk", "meetings_appraisalresult", "meetings_meetingattachment"):
        client.force_login(admin_user)
        assert client.get(reverse(f"admin:{path}_changelist")).status_code == 200


def test_the_admin_is_no_back_door_into_a_confirmed_meeting(client, admin_user, tree):
    """A confirmed meeting changes only by amendment with a reason: the admin shows it read-only,
    with its attendance and votes, and refuses a posted change."""
    make_person(tree["branch_a"])
    with time_machine.travel(dt.datetime(2026, 7, 6, 9, tzinfo=dt.UTC), tick=False):
        meeting = services.meeting_create(actor=None, unit=tree["branch_a"], kind="general", date=dt.date(2026, 7, 5),
                                          topic="学习", minutes="原记录")
        draft_url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
        client.force_login(admin_user)
        page = client.get(draft_url).content.decode()
        assert 'name="topic"' in page  # a draft may still be corrected here
        services.meeting_confirm(actor=None, meeting=meeting)
    client.force_login(admin_user)  # the session of the travelled clock has expired
    page = client.get(draft_url)
    assert page.status_code == 200 and 'name="topic"' not in page.content.decode()
    assert 'name="attendance-0-status"' not in page.content.decode()
    response = client.post(draft_url, {"topic": "改过的主题", "minutes": "改过的记录"})
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.topic == "学习" and meeting.minutes == "原记录"
    assert client.get(reverse("admin:meetings_meeting_add")).status_code == 403
    for view_only in ("meetings_appraisalresult", "meetings_meetingattachment"):
        assert client.get(reverse(f"admin:{view_only}_add")).status_code == 403
