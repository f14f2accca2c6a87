"""The administrator edits the compliance rules in the Django admin (rules are data)."""

from __future__ import annotations

from django.urls import reverse

from meetings.models import ComplianceRule


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
