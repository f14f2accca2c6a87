"""The compliance engine against the regulations (domain-rules.md) and cli.md's statuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branches.models import OfficerRole, UnitKind
from branches.periods import Period
from branches.services import officer_appoint
from meetings.compliance import evaluate, evaluate_periods
from meetings.models import ComplianceRule, LecturerRole, MeetingKind, MeetingStatus, RuleCounts, RuleScope
from meetings.services import talk_record
from tests.factories import make_person, make_unit

from .conftest import held

Q3 = Period.parse("2025Q3")
AFTER = dt.date(2026, 1, 15)  # every 2025 period is over


def rule(report, unit, code):
    result = report.unit(unit.pk)
    return result.rule(code) if result else None


def status(report, unit, code):
    found = rule(report, unit, code)
    return None if found is None else (found.required, found.held, found.status)


@pytest.fixture
def branch(tree):
    return tree["branch_a"]


# --- quarter / month / year boundaries ------------------------------------------------------


def test_quarterly_general_meeting_on_first_and_last_day_counts(tree, branch):
    held(branch, MeetingKind.GENERAL, dt.date(2025, 7, 1))
    held(tree["branch_b"], MeetingKind.GENERAL, dt.date(2025, 9, 30))
    report = evaluate(tree["committee"], Q3, on=AFTER)
    assert status(report, branch, "general-meeting") == (1, 1, "met")
    assert status(report, tree["branch_b"], "general-meeting") == (1, 1, "met")


def test_meeting_the_day_after_the_quarter_does_not_count(tree, branch):
    held(branch, MeetingKind.GENERAL, dt.date(2025, 10, 1))
    held(branch, MeetingKind.GENERAL, dt.date(2025, 6, 30))
    report = evaluate(tree["committee"], Q3, on=AFTER)
    assert status(report, branch, "general-meeting") == (1, 0, "missing")


def test_open_period_is_due_until_met(tree, branch):
    mid = dt.date(2025, 8, 15)
    report = evaluate(tree["committee"], Q3, on=mid)
    assert status(report, branch, "general-meeting") == (1, 0, "due")
    held(branch, MeetingKind.GENERAL, dt.date(2025, 8, 1))
    report = evaluate(tree["committee"], Q3, on=mid)
    assert status(report, branch, "general-meeting") == (1, 1, "met")
    # On the period's last day it is still open; the day after it is missing.
    assert status(evaluate(tree["committee"], Q3, on=dt.date(2025, 9, 30)), tree["branch_b"],
                  "general-meeting")[2] == "due"
    assert status(evaluate(tree["committee"], Q3, on=dt.date(2025, 10, 1)), tree["branch_b"],
                  "general-meeting")[2] == "missing"


def test_monthly_rule_in_a_quarter_needs_every_month(tree, branch):
    for day in (2, 10, 20):
        held(branch, MeetingKind.THEME_DAY, dt.date(2025, 1, day))
    report = evaluate(tree["committee"], Period.parse("2025Q1"), on=AFTER)
    result = rule(report, branch, "theme-day")
    assert (result.required, result.held, result.actual, result.status) == (3, 1, 3, "missing")
    assert [str(p.period) for p in result.missed_parts(AFTER)] == ["2025-02", "2025-03"]
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 2, 28))
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 3, 31))
    report = evaluate(tree["committee"], Period.parse("2025Q1"), on=AFTER)
    assert status(report, branch, "theme-day") == (3, 3, "met")


def test_due_by_is_the_end_of_the_first_open_month(tree, branch):
    on = dt.date(2025, 8, 10)
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 7, 5))
    result = rule(evaluate(tree["committee"], Q3, on=on), branch, "theme-day")
    assert result.status == "due"
    assert result.due_by(on) == dt.date(2025, 8, 31)
    assert result.missed_parts(on) == []


def test_month_report_and_year_report(tree, branch):
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 5, 31))
    month = evaluate(tree["committee"], Period.parse("2025-05"), on=AFTER)
    assert status(month, branch, "theme-day") == (1, 1, "met")
    assert rule(month, branch, "general-meeting") is None  # a quarterly rule is left out of a month
    year = evaluate(tree["committee"], Period.parse("2025"), on=AFTER)
    assert status(year, branch, "theme-day") == (12, 1, "missing")
    assert status(year, branch, "general-meeting") == (4, 0, "missing")
    assert status(year, branch, "life-meeting") == (1, 0, "missing")


def test_yearly_rules_are_left_out_of_a_quarter(tree, branch):
    report = evaluate(tree["committee"], Q3, on=AFTER)
    codes = [r.code for r in report.unit(branch.pk).rules]
    assert "life-meeting" not in codes and "appraisal" not in codes and "secretary-lecture" not in codes
    assert codes[:2] == ["general-meeting", "lecture"]


# --- which units a rule applies to --------------------------------------------------------


def test_group_rule_is_checked_per_group(tree, branch):
    group_b = make_unit(UnitKind.GROUP, branch, name="第二党小组")
    for month in (7, 8, 9):
        held(tree["group_a"], MeetingKind.GROUP, dt.date(2025, month, 12))
    report = evaluate(tree["committee"], Q3, on=AFTER)
    assert status(report, tree["group_a"], "group-meeting") == (3, 3, "met")
    assert status(report, group_b, "group-meeting") == (3, 0, "missing")
    assert rule(report, branch, "group-meeting") is None
    assert rule(report, tree["group_a"], "general-meeting") is None


def test_committee_rule_only_for_branches_with_a_committee(tree, branch):
    people = [make_person(branch) for _ in range(3)]
    for person, role in zip(people, [OfficerRole.SECRETARY, OfficerRole.ORGANISATION, OfficerRole.PUBLICITY],
                            strict=True):
        officer_appoint(actor=None, unit=branch, person=person, role=role, started_on=dt.date(2024, 1, 1))
    held(branch, MeetingKind.COMMITTEE, dt.date(2025, 7, 3))
    report = evaluate(tree["committee"], Q3, on=AFTER)
    assert status(report, branch, "committee-meeting") == (3, 1, "missing")
    assert rule(report, tree["branch_b"], "committee-meeting") is None


def test_committee_set_up_mid_quarter_owes_only_the_months_it_existed(tree, branch):
    people = [make_person(branch) for _ in range(3)]
    for person, role in zip(people, [OfficerRole.SECRETARY, OfficerRole.ORGANISATION, OfficerRole.PUBLICITY],
                            strict=True):
        officer_appoint(actor=None, unit=branch, person=person, role=role, started_on=dt.date(2025, 8, 10))
    report = evaluate(tree["committee"], Q3, on=AFTER)
    assert status(report, branch, "committee-meeting") == (2, 0, "missing")


def test_unit_founded_mid_period(tree):
    late = make_unit(UnitKind.BRANCH, tree["committee"], founded_on=dt.date(2025, 2, 10))
    held(late, MeetingKind.THEME_DAY, dt.date(2025, 3, 6))
    report = evaluate(tree["committee"], Period.parse("2025Q1"), on=AFTER)
    # January and February are before (or the month of) its founding: only March is owed.
    assert status(report, late, "theme-day") == (1, 1, "met")
    # A quarter it did not exist for from the start owes no 党员大会.
    assert rule(report, late, "general-meeting") is None
    assert status(evaluate(tree["committee"], Period.parse("2025Q2"), on=AFTER), late, "general-meeting") == (
        1, 0, "missing")
    founded_later = make_unit(UnitKind.BRANCH, tree["committee"], founded_on=dt.date(2025, 5, 1))
    assert evaluate(tree["committee"], Period.parse("2025Q1"), on=AFTER).unit(founded_later.pk) is None


def test_unit_founded_on_first_day_owes_the_whole_period(tree):
    unit = make_unit(UnitKind.BRANCH, tree["committee"], founded_on=dt.date(2025, 7, 1))
    report = evaluate(tree["committee"], Q3, on=AFTER)
    assert status(report, unit, "theme-day") == (3, 0, "missing")


# --- rules are data: effective dates, local rules -----------------------------------------


def test_rule_whose_period_changes_mid_year(tree, branch):
    ComplianceRule.objects.filter(code="lecture").update(effective_to=dt.date(2025, 6, 30))
    ComplianceRule.objects.create(
        code="lecture", name="党课", counts=RuleCounts.LECTURE, applies_to=RuleScope.BRANCH, min_count=1,
        period="half", effective_from=dt.date(2025, 7, 1), source="本地调整：每半年1次", order=40,
    )
    held(branch, MeetingKind.LECTURE, dt.date(2025, 2, 20))
    held(branch, MeetingKind.LECTURE, dt.date(2025, 5, 20))
    year = evaluate(tree["committee"], Period.parse("2025"), on=AFTER)
    result = rule(year, branch, "lecture")
    assert [str(p.period) for p in result.parts] == ["2025Q1", "2025Q2", "2025H2"]
    assert (result.required, result.held, result.status) == (3, 2, "missing")
    held(branch, MeetingKind.LECTURE, dt.date(2025, 11, 20))
    assert status(evaluate(tree["committee"], Period.parse("2025"), on=AFTER), branch, "lecture") == (3, 3, "met")
    # In Q3 the half-yearly version governs, which is longer than a quarter: left out.
    assert rule(evaluate(tree["committee"], Q3, on=AFTER), branch, "lecture") is None
    # Q2 is still governed by the quarterly version.
    assert status(evaluate(tree["committee"], Period.parse("2025Q2"), on=AFTER), branch, "lecture") == (1, 1, "met")


def test_rule_taking_effect_mid_year_counts_only_from_then(tree, branch):
    ComplianceRule.objects.create(
        code="monthly-study", name="每月集中学习", counts=RuleCounts.LECTURE, applies_to=RuleScope.BRANCH,
        min_count=1, period="month", effective_from=dt.date(2025, 10, 1), source="测试", order=200,
    )
    year = evaluate(tree["committee"], Period.parse("2025"), on=AFTER)
    assert rule(year, branch, "monthly-study").required == 3
    assert rule(evaluate(tree["committee"], Q3, on=AFTER), branch, "monthly-study") is None


def test_local_extra_rule_of_a_committee(tree, branch):
    other_committee = make_unit(UnitKind.COMMITTEE, name="另一个党委")
    other_branch = make_unit(UnitKind.BRANCH, other_committee)
    ComplianceRule.objects.create(
        code="unified-day", name="统一活动日", counts=RuleCounts.THEME_DAY, applies_to=RuleScope.BRANCH,
        min_count=1, period="month", weekday=4, week_of_month=3, scope_unit=tree["committee"],
        effective_from=dt.date(2025, 1, 1), source="机关党委：每月第三周星期五统一活动日", order=65,
    )
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 7, 18))  # third Friday of July 2025
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 8, 8))  # a Friday, but the second one
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 9, 19))  # third Friday
    report = evaluate(tree["committee"], Q3, on=AFTER)
    result = rule(report, branch, "unified-day")
    assert (result.required, result.held, result.status) == (3, 2, "missing")
    assert result.name == "统一活动日"
    assert status(report, branch, "theme-day") == (3, 3, "met")
    assert rule(evaluate(other_committee, Q3, on=AFTER), other_branch, "unified-day") is None


def test_local_rule_under_the_same_code_overrides_the_default(tree, branch):
    ComplianceRule.objects.create(
        code="general-meeting", name="党员大会", counts=RuleCounts.GENERAL, applies_to=RuleScope.BRANCH,
        min_count=2, period="quarter", scope_unit=tree["committee"], effective_from=dt.date(2025, 1, 1),
        source="本地：每季度2次", order=10,
    )
    held(branch, MeetingKind.GENERAL, dt.date(2025, 7, 8))
    assert status(evaluate(tree["committee"], Q3, on=AFTER), branch, "general-meeting") == (2, 1, "missing")


# --- what counts ---------------------------------------------------------------------------


def test_theme_day_that_is_also_a_lecture_and_general_meeting_counts_for_each(tree, branch):
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 7, 1), also_lecture=True, also_general=True)
    report = evaluate(tree["committee"], Q3, on=dt.date(2025, 7, 2))
    assert status(report, branch, "general-meeting") == (1, 1, "met")
    assert status(report, branch, "lecture") == (1, 1, "met")
    assert rule(report, branch, "theme-day").held == 1


def test_drafts_and_void_meetings_do_not_count(tree, branch):
    held(branch, MeetingKind.GENERAL, dt.date(2025, 7, 8), status=MeetingStatus.DRAFT)
    held(branch, MeetingKind.GENERAL, dt.date(2025, 7, 9), status=MeetingStatus.VOID)
    assert status(evaluate(tree["committee"], Q3, on=AFTER), branch, "general-meeting") == (1, 0, "missing")


def test_secretary_lecture_counts_only_lectures_by_the_secretary(tree, branch):
    year = Period.parse("2025")
    held(branch, MeetingKind.LECTURE, dt.date(2025, 3, 3), lecturer="王老师", lecturer_role=LecturerRole.OTHER)
    assert status(evaluate(tree["committee"], year, on=AFTER), branch, "secretary-lecture") == (1, 0, "missing")
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 6, 3), also_lecture=True, lecturer="李书记",
         lecturer_role=LecturerRole.SECRETARY)
    assert status(evaluate(tree["committee"], year, on=AFTER), branch, "secretary-lecture") == (1, 1, "met")


def test_talks_count_pairs_of_committee_member_and_member(tree, branch):
    secretary = make_person(branch)
    members = [make_person(branch) for _ in range(2)]
    officer_appoint(actor=None, unit=branch, person=secretary, role=OfficerRole.SECRETARY,
                    started_on=dt.date(2024, 1, 1))
    talk_record(actor=None, unit=branch, date=dt.date(2025, 4, 1), officer=secretary, member=members[0])
    talk_record(actor=None, unit=branch, date=dt.date(2025, 5, 1), officer=secretary, member=members[0])
    year = evaluate(tree["committee"], Period.parse("2025"), on=AFTER)
    assert status(year, branch, "talk") == (2, 1, "missing")
    talk_record(actor=None, unit=branch, date=dt.date(2025, 6, 1), officer=secretary, member=members[1])
    assert status(evaluate(tree["committee"], Period.parse("2025"), on=AFTER), branch, "talk") == (2, 2, "met")
    # A branch without any 支委 owes no talks.
    assert rule(year, tree["branch_b"], "talk") is None


# --- output and cost -----------------------------------------------------------------------


def test_json_shape_matches_cli_contract(tree, branch):
    held(branch, MeetingKind.GENERAL, dt.date(2025, 7, 1))
    data = evaluate(tree["committee"], Q3, on=AFTER).as_json()
    assert data["org"] == tree["committee"].code and data["period"] == "2025Q3"
    unit = next(u for u in data["units"] if u["code"] == branch.code)
    assert unit["type"] == "党支部" and unit["name"] == branch.name
    assert unit["rules"][0] == {"kind": "党员大会", "required": 1, "held": 1, "status": "met"}
    group = next(u for u in data["units"] if u["code"] == tree["group_a"].code)
    assert [r["kind"] for r in group["rules"]] == ["党小组会"]


def _queries(root, period):
    with CaptureQueriesContext(connection) as ctx:
        evaluate(root, period, on=AFTER)
    return len(ctx.captured_queries)


def test_constant_number_of_queries(tree):
    year = Period.parse("2025")
    few = _queries(tree["committee"], year)
    for _ in range(4):
        unit = make_unit(UnitKind.BRANCH, tree["committee"])
        make_unit(UnitKind.GROUP, unit)
        person = make_person(unit)
        officer_appoint(actor=None, unit=unit, person=person, role=OfficerRole.SECRETARY,
                        started_on=dt.date(2024, 1, 1))
        held(unit, MeetingKind.GENERAL, dt.date(2025, 7, 1))
    assert _queries(tree["committee"], year) == few


def test_unit_archived_mid_period_owes_only_whole_months(tree):
    from branches.services import org_unit_archive

    unit = make_unit(UnitKind.BRANCH, tree["committee"], founded_on=dt.date(2020, 1, 1))
    held(unit, MeetingKind.THEME_DAY, dt.date(2025, 7, 10))
    org_unit_archive(actor=None, unit=unit, on=dt.date(2025, 8, 20), reason="机构调整")
    report = evaluate(tree["committee"], Q3, on=AFTER)
    assert status(report, unit, "theme-day") == (1, 1, "met")  # July only: August and September not whole
    assert rule(report, unit, "general-meeting") is None
    assert evaluate(tree["committee"], Period.parse("2025Q4"), on=AFTER).unit(unit.pk) is None


def _fingerprint(report):
    return (str(report.period), report.on, report.columns, [
        (result.unit.pk, [(r.code, r.name, r.period_kind, r.status, r.order,
                           [(str(p.period), p.required, p.actual, p.meeting_ids, p.rule.pk) for p in r.parts])
                          for r in result.rules])
        for result in report.units])


def test_several_periods_at_once_agree_with_one_at_a_time(tree, branch):
    """evaluate_periods reads once for all the periods (the compliance page's quarter and year,
    the history's past quarters and years) and reports each as evaluate would."""
    from branches.services import org_unit_archive
    from members.models import EventKind
    from members.services import member_exit

    people = [make_person(branch) for _ in range(5)]
    member_exit(actor=None, person=people[4], kind=EventKind.DEATH, date=dt.date(2025, 3, 1), reason="病故")
    for person, role, day in zip(people, [OfficerRole.SECRETARY, OfficerRole.ORGANISATION, OfficerRole.PUBLICITY],
                                 [dt.date(2024, 1, 1), dt.date(2025, 5, 10), dt.date(2025, 5, 10)], strict=False):
        officer_appoint(actor=None, unit=branch, person=person, role=role, started_on=day)
    talk_record(actor=None, unit=branch, date=dt.date(2025, 6, 1), officer=people[0], member=people[3])
    talk_record(actor=None, unit=branch, date=dt.date(2025, 9, 1), officer=people[1], member=people[2])
    late = make_unit(UnitKind.BRANCH, tree["committee"], founded_on=dt.date(2025, 2, 10))
    gone = make_unit(UnitKind.BRANCH, tree["committee"], founded_on=dt.date(2020, 1, 1))
    held(gone, MeetingKind.THEME_DAY, dt.date(2025, 7, 10))
    org_unit_archive(actor=None, unit=gone, on=dt.date(2025, 8, 20), reason="机构调整")
    ComplianceRule.objects.filter(code="lecture").update(effective_to=dt.date(2025, 6, 30))
    ComplianceRule.objects.create(
        code="lecture", name="党课", counts=RuleCounts.LECTURE, applies_to=RuleScope.BRANCH, min_count=1,
        period="half", effective_from=dt.date(2025, 7, 1), source="本地调整：每半年1次", order=40,
    )
    for day in (dt.date(2024, 11, 5), dt.date(2025, 1, 7), dt.date(2025, 5, 20), dt.date(2025, 8, 1)):
        held(branch, MeetingKind.THEME_DAY, day, also_lecture=True, also_general=True)
        held(tree["group_a"], MeetingKind.GROUP, day)
        if day >= late.founded_on:
            held(late, MeetingKind.THEME_DAY, day)
    held(branch, MeetingKind.COMMITTEE, dt.date(2025, 6, 3))
    periods = [Period.parse(p) for p in ("2025Q3", "2025", "2024Q4", "2025Q1", "2025-08", "2025H1", "2024")]
    for on in (AFTER, dt.date(2025, 8, 15)):
        together = evaluate_periods(tree["committee"], periods, on=on)
        assert [_fingerprint(r) for r in together] == [_fingerprint(evaluate(tree["committee"], p, on=on))
                                                       for p in periods]
    with CaptureQueriesContext(connection) as one:
        evaluate(tree["committee"], Period.parse("2025"), on=AFTER)
    with CaptureQueriesContext(connection) as both:
        evaluate_periods(tree["committee"], [Period.parse("2025Q3"), Period.parse("2025")], on=AFTER)
    assert len(both) == len(one)


# --- judged window by window (issue 16: a month missed in a running period is missed) -------


def test_a_month_missed_in_a_running_quarter_is_missing_at_once(tree, branch):
    held(branch, MeetingKind.THEME_DAY, dt.date(2025, 7, 5))
    on = dt.date(2025, 8, 10)  # July met, August open
    result = rule(evaluate(tree["committee"], Q3, on=on), branch, "theme-day")
    assert (result.status, result.status_label, result.late(Q3, on)) == ("due", "进行中", False)
    on = dt.date(2025, 9, 5)  # August closed unmet: the quarter can no longer be met
    result = rule(evaluate(tree["committee"], Q3, on=on), branch, "theme-day")
    assert (result.status, result.status_label, result.late(Q3, on)) == ("missing", "未完成", True)
    assert [str(part.period) for part in result.missed_parts(on)] == ["2025-08"]
    assert result.due_by(on) == dt.date(2025, 9, 30)  # September is still open
    assert not result.late(Q3, AFTER)  # once the quarter is over, it is plainly 未完成


def test_a_year_is_judged_quarter_by_quarter(tree, branch):
    for day in (dt.date(2025, 2, 1), dt.date(2025, 8, 1), dt.date(2025, 10, 9)):  # no 党员大会 in Q2
        held(branch, MeetingKind.GENERAL, day)
    year, half = Period.parse("2025"), Period.parse("2025H1")
    on = dt.date(2025, 11, 20)
    assert status(evaluate(tree["committee"], year, on=on), branch, "general-meeting") == (4, 3, "missing")
    assert status(evaluate(tree["committee"], half, on=dt.date(2025, 6, 30)), branch,
                  "general-meeting") == (2, 1, "due")  # Q2 still open on its last day
    assert status(evaluate(tree["committee"], half, on=dt.date(2025, 7, 1)), branch,
                  "general-meeting") == (2, 1, "missing")


_MONTHS_2025 = [Period(2025, "month", index) for index in range(1, 13)]
_PERIODS_2025 = [Period.parse(text) for text in ("2025", "2025H1", "2025H2", "2025Q1", "2025Q2", "2025Q3", "2025Q4",
                                                  "2025-02", "2025-06", "2025-11")]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(held_months=st.sets(st.integers(1, 12)), period=st.sampled_from(_PERIODS_2025),
       on=st.dates(dt.date(2024, 12, 1), dt.date(2026, 2, 1)))
def test_status_is_window_by_window_for_any_period_and_day(tree, branch, held_months, period, on):
    """A monthly rule over any period and any day: 未完成 when a month closed unmet (whether or not
    the period is over), 进行中 when none did but one is open and unmet, 已完成 when all are met;
    the committee grid's cell says the same, with ⚠ exactly when the period still runs."""
    from django.core.cache import cache

    from meetings.facts import branch_compliance

    cache.clear()  # each example's meetings are rolled back, and with them the cache versions' bumps
    with transaction.atomic():
        for month in held_months:
            held(branch, MeetingKind.THEME_DAY, dt.date(2025, month, 15))
        result = rule(evaluate(tree["committee"], period, on=on), branch, "theme-day")
        grid = branch_compliance(tree["committee"], period, on)
        transaction.set_rollback(True)
    months = [m for m in _MONTHS_2025 if m.start >= period.start and m.end <= period.end]
    unmet = [m for m in months if m.index not in held_months]
    expected = ("missing" if any(m.end < on for m in unmet) else "due" if unmet else "met")
    assert result.status == expected
    assert [p.period for p in result.missed_parts(on)] == [m for m in unmet if m.end < on]
    row = next(r for r in grid.rows if r["unit"]["pk"] == branch.pk)
    cell = row["cells"][[code for code, _ in grid.columns].index("theme-day")]
    assert cell["status"] == expected
    assert cell["late"] == (expected == "missing" and on <= period.end)
    assert cell["text"] == f"{'⚠ ' if cell['late'] else ''}{len(months) - len(unmet)}/{len(months)}"


def test_a_verdict_says_a_run_of_missed_windows_once():
    """The 存在问题 draft read "（1月、2月、3月、…、11月）": a run of three or more is said once."""
    from meetings.facts import _runs

    assert _runs([f"{month}月" for month in range(1, 12)]) == "1月至11月"
    assert _runs(["第一季度", "第二季度", "第三季度"]) == "第一至第三季度"
    assert _runs(["10月", "11月"]) == "10月、11月"
    assert _runs(["1月", "2月", "3月", "5月", "第二季度"]) == "1月至3月、5月、第二季度"
