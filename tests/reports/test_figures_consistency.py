"""One figure, one function (docs/figures.md): on the small demo, with the clock frozen, every figure
the work report shows equals the same figure as the scorecard, the home page, the compliance grid,
the dues page, the 发展 page and the exports read it — each surface through the facts functions."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO, StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from branches import facts as org
from branches.demo import TOP_CODE
from branches.facts import Window
from branches.models import OrgUnit, UnitKind
from branches.periods import Period, chinese_date
from dues import facts as ledger
from dues.exporters import DuesExporter
from meetings import facts as life
from meetings.exporters import ComplianceExporter
from members import facts as people
from members.models import PIPELINE_STATUSES
from members.selectors import pipeline_rows
from reports import dashboards
from reports.scorecards import compute
from reports.workreport import FIGURES, Scope, build, compliance_sentence, sentences
from reports.workreport_docx import WorkReportExporter

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
H1, YEAR = Period.parse("2026H1"), Period.parse("2026")  # a half-year over, a year still running
Q2, Q4 = Period.parse("2026Q2"), Period.parse("2026Q4")  # a quarter over, the quarter running

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """``seed_demo --scale small`` once for the module, rolled back afterwards; the clock stays at
    :data:`NOW` throughout."""
    with time_machine.travel(NOW, tick=False), django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", scale="small", seed=2026, stdout=StringIO())
        top = OrgUnit.objects.get(code=TOP_CODE)
        yield SimpleNamespace(top=top, branches=list(org.units_on(top, TODAY, UnitKind.BRANCH)),
                              staff=get_user_model().objects.get(username="dangwei"))
        transaction.set_rollback(True)


@pytest.fixture
def client(demo):
    client = Client()
    client.force_login(demo.staff)
    return client


def units(demo):
    return [demo.top, *demo.branches]


def scopes(demo):
    return [Scope(unit, period) for unit in units(demo) for period in (H1, YEAR)]


def test_the_demo_has_something_to_count(demo):
    report = build(demo.top, YEAR)
    for key in ("units-branch", "members-full", "meetings-general", "talks", "dev-applied", "dues-due",
                "points-scored", "dev-overdue"):
        assert report[key].value, key
    assert len(demo.branches) == 6


def test_each_figure_is_its_records_and_the_drill_down_lists_them(demo, client):
    for scope in scopes(demo):
        report = build(scope.unit, scope.period)
        for key, figure in FIGURES.items():
            assert report[key].value == figure.records(scope).count(), (scope, key)
    scope = Scope(demo.top, YEAR)
    for key in ("meetings-lecture", "members-probationary", "transfers-in", "recognition-care"):
        page = client.get(reverse("reports:work_records", args=[demo.top.pk, str(YEAR), key]))
        assert page.status_code == 200
        assert page.context["count"] == len(page.context["rows"]) == FIGURES[key].records(scope).count()


def test_members_and_units_as_the_tree_scorecard_and_home_count_them(demo, client):
    for scope in scopes(demo):
        report = build(scope.unit, scope.period)
        counts = people.member_counts([scope.unit], on=scope.end)[scope.unit.pk]  # the scorecard, the org tree
        assert (report["members-full"].value, report["members-probationary"].value) == (counts.full, counts.probationary)
        kinds = org.unit_counts([scope.unit], scope.end)
        for kind in UnitKind.values:
            assert report[f"units-{kind}"].value == kinds[kind]
        statuses = org.term_statuses(org.units_on(scope.unit, scope.end), scope.end)  # the scorecard's 换届 item
        assert report["terms-overdue"].value == sum(1 for status in statuses.values() if status.code == "overdue")
    home = client.get(reverse("home")).context
    report = build(demo.top, YEAR)
    assert home["kind_counts"] == {label: report[f"units-{kind}"].value for kind, label in UnitKind.choices}
    assert len(home["overview"]["overdue_terms"]) == report["terms-overdue"].value


def _scorecard(demo, period):
    return {card.unit.pk: {item.code: item for item in card.items} for card in compute(demo.top, period)}


def test_attendance_as_the_scorecard_counts_it(demo):
    for scope in scopes(demo):
        counts = life.attendance_by_unit(demo.top, [*demo.branches, demo.top], scope.window)[scope.unit.pk]
        assert build(scope.unit, scope.period)["attendance-rate"].value == counts.percent
    cards = _scorecard(demo, Q2)
    for branch in demo.branches:
        counts = life.attendance(branch, Window.of(Q2))
        assert (f"应到{counts.expected}人次，实到{counts.present}人次，出勤率{counts.percent}%"
                in cards[branch.pk]["attendance"].explanation)


# --- Compliance: the work report, the grid, the export and the home, for every kind of period ---

# Days the compliance figures are compared on: inside the running quarter (October closed, November
# open), early in a quarter whose first month is still open, and after the year.
DAYS = (TODAY, dt.date(2026, 7, 20), dt.date(2027, 1, 10))
PERIODS_2026 = [Period.parse(text) for text in ("2026", "2026H1", "2026H2", "2026Q1", "2026Q2", "2026Q3", "2026Q4",
                                                 *(f"2026-{month:02d}" for month in range(1, 13)))]


def _export_statuses(unit, period):
    """Each 党支部's status read from ``export compliance`` (xlsx): its own rules and its 党小组's,
    the worst of them, as the grid folds them."""
    content = ComplianceExporter().render(unit=unit, period=period, fmt="xlsx", user=None).content
    rows = list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))
    header, rows = rows[0], rows[1:]
    code_at, status_at = header.index("组织编码"), header.index("状态代码")
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={row[code_at] for row in rows})}
    parents = dict(OrgUnit.objects.filter(pk__in={u.parent_id for u in units.values()}).values_list("pk", "code"))
    statuses: dict[str, set[str]] = {}
    for row in rows:
        found = units[row[code_at]]
        branch = found.code if found.kind == UnitKind.BRANCH else parents[found.parent_id]
        statuses.setdefault(branch, set()).add(row[status_at])
    return {code: "missing" if "missing" in found else "due" if "due" in found else "met"
            for code, found in statuses.items()}


def _compliance_agrees(demo, client, unit, period, day):
    """The work report (half-year, year), the grid page, ``branch_verdicts`` and the export say the
    same of every 党支部 under ``unit`` for ``period`` on ``day``; the home's heat map, for the
    quarter running on ``day``, shows the grid's cells."""
    with time_machine.travel(dt.datetime.combine(day, dt.time(10), ZoneInfo("Asia/Shanghai")), tick=False):
        client.force_login(demo.staff)  # a session of that day
        grid = client.get(reverse("meetings:grid"), {"unit": unit.pk, "period": str(period)}).context
        rows = {row["unit"]["code"]: row for row in grid["rows"]}
        statuses = {code: row["status"] for code, row in rows.items()}
        verdicts = {v.code: v for v in life.branch_verdicts(unit, period)}
        assert {code: v.status for code, v in verdicts.items()} == statuses, (unit, period, day)
        assert _export_statuses(unit, period) == statuses, (unit, period, day)
        running = not period.end < day
        for row in grid["rows"]:  # ⚠ only while the period runs, and then exactly for 未完成
            assert row["late"] == (running and row["status"] == "missing")
        behind = sorted(code for code, status in statuses.items() if status == "missing")
        assert grid["totals"]["missing"] == len(behind) and grid["late"] == (len(behind) if running else 0)
        if period.kind in ("half", "year"):
            report = build(unit, period)
            assert report["compliance-behind"].value == len(behind)
            assert report["compliance-met"].value == grid["total"] - len(behind)
            assert report["compliance-open"].value == grid["totals"]["due"]
            assert sorted(v.code for v in report.facts["behind"]) == behind
            sentence = compliance_sentence(report)
            assert ("所有党支部均达到规定要求" in sentence) == (grid["total"] > 0 and statuses
                                                           and set(statuses.values()) == {"met"})
            for code in behind[:5]:
                assert verdicts[code].name in sentence
            if behind:
                assert f"有{len(behind)}个党支部未按规定开展组织生活" in report.problems[0]
                assert all(verdicts[code].name in report.problems[0] for code in behind[:8])
        if period == Period.containing(day, "quarter") and unit == demo.top:
            heatmap = client.get(reverse("home")).context["overview"]["heatmap"]
            cells = [[x, y, dashboards.STATUS_VALUE[cell["status"]], cell["text"], cell["title"]]
                     for y, row in enumerate(grid["rows"]) for x, cell in enumerate(row["cells"]) if cell]
            assert heatmap["data"] == cells and heatmap["late"] == grid["late"]
            assert heatmap["rows"] == [row["unit"]["name"] for row in grid["rows"]]


def test_compliance_as_the_grid_the_export_and_the_heat_map_show_it(demo, client):
    """Every kind of period, the committee and a branch, inside the running quarter."""
    for period in (YEAR, H1, Period.parse("2026H2"), Q2, Q4, Period.parse("2026-10"), Period.parse("2026-11")):
        for unit in (demo.top, demo.branches[0]):
            _compliance_agrees(demo, client, unit, period, TODAY)


def test_the_demo_has_branches_behind_in_a_running_period(demo, client):
    """The case of issue 16: the year is running, and branches that let a month pass are behind."""
    grid = client.get(reverse("meetings:grid"), {"unit": demo.top.pk, "period": str(YEAR)}).context
    assert grid["totals"]["missing"] and grid["late"] == grid["totals"]["missing"]
    report = build(demo.top, YEAR)
    assert report["compliance-behind"].value == grid["totals"]["missing"]
    assert "所有党支部均达到规定要求" not in "".join(p for _, ps in sentences(report) for p in ps)
    docx = WorkReportExporter().render(unit=demo.top, period=YEAR, fmt="docx", user=None).content
    text = "\n".join(p.text for p in Document(BytesIO(docx)).paragraphs)
    assert compliance_sentence(report) in text and report.problems[0] in text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(period=st.sampled_from(PERIODS_2026), pick=st.integers(0, 6), day=st.sampled_from(DAYS))
def test_compliance_agrees_for_any_period_unit_and_day(demo, period, pick, day):
    """Property: for any period of 2026 (month … year), the committee or any of its 党支部, and a
    day inside a running quarter or after the year, every surface says the same."""
    _compliance_agrees(demo, Client(), units(demo)[pick % len(units(demo))], period, day)


def test_dues_as_the_dues_page_home_scorecard_and_export_show_them(demo, client):
    for scope in scopes(demo):
        report = build(scope.unit, scope.period)
        page = client.get(reverse("dues:unit", args=[scope.unit.pk]), {"period": str(scope.period)}).context
        figures = page["figures"]
        assert (report["dues-due"].value, report["dues-paid"].value) == (figures.due, figures.paid)
        assert report["dues-rate"].value == (figures.rate_money if figures.rate_money is not None else "—")
        assert report["dues-remitted"].value == figures.remitted
        if scope.unit == demo.top:
            by_branch = {branch.name: f for branch, f in page["rows"]}
            table = next(rows for title, _, rows in build(scope.unit, scope.period).tables if title == "党费收缴情况")
            assert {row[0]: (row[1], row[2]) for row in table} == {name: (f.due, f.paid) for name, f in by_branch.items()}
    home = client.get(reverse("home")).context["overview"]["dues"]
    quarter = client.get(reverse("dues:unit", args=[demo.top.pk]), {"period": str(Q4)}).context["figures"]
    assert (home["due"], home["paid"], home["rate"]) == (quarter.due, quarter.paid, quarter.rate_money)
    cards = _scorecard(demo, Q2)
    for branch in demo.branches:
        figures = ledger.figures_for(branch, Q2)
        explanation = cards[branch.pk]["dues-rate"].explanation
        assert explanation == "本季度无应缴党费" if figures.rate_money is None else f"收缴率{figures.rate_money}%" in explanation
    book = load_workbook(BytesIO(DuesExporter().render(unit=demo.top, period=H1, fmt="xlsx", user=None).content))
    total = list(book["汇总"].iter_rows(values_only=True))[-1]
    report = build(demo.top, H1)
    assert (Decimal(str(total[3])), Decimal(str(total[4]))) == (report["dues-due"].value, report["dues-paid"].value)


def test_pipeline_and_points_as_the_development_page_home_and_scorecard_count_them(demo, client):
    for scope in scopes(demo):
        report = build(scope.unit, scope.period)
        entries = people.development(scope.unit, scope.window)  # 发展 as it stood on the period's end
        assert report["dev-overdue"].value == len(people.overdue_pipeline(scope.unit, scope.window)) == sum(
            1 for entry in entries if entry.overdue)
        assert report["dev-late"].value == len(people.late_pipeline(scope.unit, scope.window))
        by_unit = people.development_by_unit(scope.unit, scope.window)  # the scorecard's 发展党员 item
        assert report["dev-overdue"].value == sum(1 for es in by_unit.values() for entry in es if entry.overdue)
        if scope.window.running:  # today's figure is the 发展 page's
            page = pipeline_rows(user=demo.staff, unit=scope.unit)
            assert report["dev-overdue"].value == sum(1 for row in page if row.progress.overdue)
        states = ledger.points_states_by_unit(scope.unit, scope.window)  # the scorecard's points item
        assert report["points-scored"].value == sum(len(months) for months in states.values())
        assert report["points-published"].value == sum(
            1 for months in states.values() for state in months.values() if state in ledger.PUBLISHED_STATES)
    chart = client.get(reverse("home")).context["overview"]["pipeline_chart"]["series"][0]["data"]
    page = pipeline_rows(user=demo.staff, unit=demo.top)
    assert chart == [sum(1 for row in page if row.person.status == status) for status in PIPELINE_STATUSES]
    counts = people.pipeline_counts(demo.top)
    assert chart == [counts[status] for status in PIPELINE_STATUSES]
    for quarter in (Q2, Q4):
        cards = _scorecard(demo, quarter)
        by_unit = people.development_by_unit(demo.top, Window.of(quarter))
        for branch in demo.branches:
            untimely = [entry for entry in by_unit.get(branch.pk, []) if entry.untimely]
            assert (cards[branch.pk]["pipeline"].points == 0) == bool(untimely), (quarter, branch)


def test_development_of_a_past_period_does_not_change_when_regenerated(demo):
    """An H1 report and a Q2 scorecard read 发展 as it stood on 30 June: generated again months
    later they say the same, although more time limits have passed since."""
    before = {unit.pk: build(unit, H1)["dev-overdue"].value for unit in units(demo)}
    cards = {pk: item["pipeline"].points for pk, item in _scorecard(demo, Q2).items()}
    late = dt.datetime(2027, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(late, tick=False):
        assert {unit.pk: build(unit, H1)["dev-overdue"].value for unit in units(demo)} == before
        assert {pk: item["pipeline"].points for pk, item in _scorecard(demo, Q2).items()} == cards


def test_probationary_members_loaded_with_their_dates_are_not_overdue(demo):
    """Every 预备党员 of the demo was loaded with dates (no 上级党委审批 step): none is overdue, so
    not every branch loses the 发展党员 points (before, every branch scored 0/10)."""
    for entry in people.development(demo.top, Window.of(YEAR)):
        if entry.person.status == "probationary":
            assert not any(finding.step == 17 for finding in entry.overdue), entry.person.name
    assert any(card["pipeline"].points for card in _scorecard(demo, Q4).values())


def test_scorecard_published_months_are_the_work_reports_sheets(demo):
    cards = _scorecard(demo, Q2)
    for branch in demo.branches:
        states = ledger.points_states_by_unit(branch, Window.of(Q2)).get(branch.pk, {})
        published = sum(1 for state in states.values() if state in ledger.PUBLISHED_STATES)
        assert re.match(rf"已公示{published}个月", cards[branch.pk]["points"].explanation)


# 收缴率（人数）(issue 16, finding 3): member-months paid in full ÷ member-months owed, 免缴 in
# neither, partial payments 未缴足; as of the period's end or the day. At a day inside a running
# month and quarter (NOW), early December and the year's last day, for a month, a quarter, a
# half-year and a year, for the committee and each branch.
ZONE = ZoneInfo("Asia/Shanghai")
DAYS = (TODAY, dt.date(2026, 12, 5), dt.date(2026, 12, 31))


def _people(figures):
    return (figures.owed, figures.settled, figures.partial, figures.exempt, figures.rate_people, figures.as_of)


def _export_total(unit, period):
    book = load_workbook(BytesIO(DuesExporter().render(unit=unit, period=period, fmt="xlsx", user=None).content))
    summary = list(book["汇总"].iter_rows(values_only=True))
    header, total = summary[0], summary[-1]
    column = {name: index for index, name in enumerate(header)}
    rate = total[column["收缴率（人数）%"]]
    return ((total[column["应缴人次"]], total[column["已缴足人次"]], total[column["未缴足人次"]],
             total[column["免缴人次"]], Decimal(str(rate)) if rate not in ("", None) else None),
            [row[0] for row in book["说明"].iter_rows(min_row=2, values_only=True)])


@pytest.mark.parametrize("day", DAYS)
def test_dues_people_figures_agree_on_every_surface(demo, client, day):
    with time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=ZONE), tick=False):
        client.force_login(demo.staff)  # a session begun on NOW has expired by December
        periods = [Period.month_of(day), Period.containing(day, "quarter"), Period.containing(day, "half"),
                   Period(day.year, "year"), Q2]
        for unit in units(demo):
            for period in periods:
                figures = ledger.figures_for(unit, period, on=day)
                assert figures.settled <= figures.owed, (unit, period)
                page = client.get(reverse("dues:unit", args=[unit.pk]), {"period": str(period)}).context
                assert _people(page["figures"]) == _people(figures), (unit, period, day)
                # the demo was seeded on NOW: December's 应缴 were never generated, and every page says so
                gaps = ledger.missing_dues(unit, period, on=day)
                assert page["missing_dues"] == gaps
                assert (dt.date(2026, 12, 1) in [gap.month for gap in gaps]) == (day.month == 12 and period.end.month == 12)
                exported, notes = _export_total(unit, period)
                assert exported == _people(figures)[:5], (unit, period, day)
                if figures.as_of:
                    assert notes[0].startswith(f"{period.label}，{figures.as_of_label}")
                if period.kind in ("half", "year"):
                    report = build(unit, period)
                    assert (report["dues-owed"].value, report["dues-settled"].value) == (figures.owed, figures.settled)
                    assert report["dues-rate-people"].value == figures.rate_people
                    text = "".join(p for heading, paragraphs in sentences(report) if heading == "党费收缴"
                                   for p in paragraphs)
                    assert f"收缴率（人数）{figures.rate_people}%" in text
                    assert text.startswith(f"截至{chinese_date(day)}") == bool(figures.as_of)
                    if unit == demo.top:
                        table = next(rows for title, _, rows in report.tables if title == "党费收缴情况")
                        by_branch = dict(ledger.figures_by_branch(unit, period, on=day))
                        assert {row[0]: row[4] for row in table} == {
                            branch.name: f"{f.rate_people}%（{f.settled}/{f.owed}人次）" if f.rate_people is not None
                            else "—" for branch, f in by_branch.items()}
        month = Period.month_of(day)
        for branch in demo.branches:
            figures = ledger.figures_for(branch, month, on=day)
            sheet = client.get(reverse("dues:sheet", args=[branch.pk, str(month)])).context
            assert _people(sheet["figures"]) == _people(figures)
            assert sum(1 for row in sheet["rows"] if row.status == "已缴") == figures.settled
            assert sum(1 for row in sheet["rows"] if row.status == "免缴") == figures.exempt
            todos = [todo.text for todo in dashboards.ledger_todos(branch, day)]
            said = [text for text in todos if "人未缴党费" in text]
            assert said == ([f"{month.index}月还有{figures.unpaid}人未缴党费"
                             + (f"（其中{figures.partial}人未缴足）" if figures.partial else "")] if figures.unpaid else [])
        home = client.get(reverse("home")).context["overview"]["dues"]
        quarter = ledger.figures_for(demo.top, Period.containing(day, "quarter"), on=day)
        assert (home["rate_people"], home["settled"], home["owed"]) == (quarter.rate_people, quarter.settled, quarter.owed)
        cards = _scorecard(demo, Period.containing(day, "quarter"))
        for branch in demo.branches:
            figures = dict(ledger.figures_by_branch(demo.top, Period.containing(day, "quarter"), on=day))[branch]
            assert (f"收缴率（人数）{figures.rate_people}%（已缴足{figures.settled}/应缴{figures.owed}人次）"
                    in cards[branch.pk]["dues-rate"].explanation)


def test_the_demo_has_exempt_members_and_partial_payments_counted_alike(demo):
    """The small demo has both cases the definition is about, so the test above exercises them."""
    figures = ledger.figures_for(demo.top, YEAR, on=TODAY)
    assert figures.exempt and figures.partial
