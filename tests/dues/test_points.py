"""积分: schemes, automatic and manual items, caps, the workflow and locking, totals and stars."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from branches.periods import Period
from dues import points, services
from dues.models import PointsEntry, PointsItem, PointsScheme, PointsSheet

from .helpers import m, member

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def scheme():
    return PointsScheme.objects.get()


def item(code):
    return PointsItem.objects.get(code=code)


def test_default_scheme_is_seeded_from_domain_rules(scheme):
    assert scheme.base_points == 60 and scheme.publication_days == 5 and scheme.source
    assert item("attendance").year_cap == 24 and item("attendance").points == 2
    assert item("absence").points == -2 and item("makeup").points == 1 and item("late_dues").points == -2
    assert (item("honour").min_points, item("honour").max_points) == (5, 10)
    assert item("violation").veto


def test_working_days_skip_weekends():
    friday = dt.date(2026, 11, 20)
    assert points.add_working_days(friday, 5) == dt.date(2026, 11, 26)  # Fri, Mon, Tue, Wed, Thu
    assert points.add_working_days(dt.date(2026, 11, 21), 1) == dt.date(2026, 11, 23)  # Saturday → Monday


def test_late_dues_item_follows_the_ledger(tree):
    on_time = member(tree["branch_a"], base="4000")
    late = member(tree["branch_a"], base="4000")
    unpaid = member(tree["branch_a"], base="4000")
    services.dues_generate(actor=None, month=m("2026-03"))
    services.payments_record(actor=None, person=on_time, months=[m("2026-03")], paid_on=dt.date(2026, 3, 31))
    services.payments_record(actor=None, person=late, months=[m("2026-03")], paid_on=dt.date(2026, 4, 1))
    sheet = points.points_sheet_open(actor=None, unit=tree["branch_a"], month=m("2026-03"))
    outcome = points.points_compute_automatic(actor=None, sheet=sheet)
    scored = {e.person_id: e.points for e in sheet.entries.filter(automatic=True)}
    assert scored == {late.pk: D("-2"), unpaid.pk: D("-2")}
    assert outcome.counted["逾期缴纳党费"] == 2
    # the attendance items come from meetings (no meetings here): connected, nothing invented
    assert outcome.not_connected == []
    # recomputing replaces, it does not add
    points.points_compute_automatic(actor=None, sheet=sheet)
    assert sheet.entries.filter(automatic=True).count() == 2


def test_connected_attendance_provider_is_used_and_capped(tree, monkeypatch):
    a = member(tree["branch_a"])
    monkeypatch.setitem(points._PROVIDERS, "attendance", lambda unit, month, ids: {a.pk: 4})
    for number in range(1, 5):
        sheet = points.points_sheet_open(actor=None, unit=tree["branch_a"], month=m(f"2026-{number:02d}"))
        points.points_compute_automatic(actor=None, sheet=sheet)
        PointsSheet.objects.filter(pk=sheet.pk).update(state="confirmed")
    assert sum(e.points for e in PointsEntry.objects.filter(person=a, item__code="attendance")) == 32
    (total,) = points.points_totals(tree["branch_a"], Period.parse("2026"))
    assert total.items[item("attendance").pk] == 24  # +2 each, at most +24 a year
    assert total.total == 84 and total.stars == 3


def test_manual_items_need_a_note_and_respect_the_range(tree):
    a = member(tree["branch_a"])
    sheet = points.points_sheet_open(actor=None, unit=tree["branch_a"], month=m("2026-03"))
    with pytest.raises(ValidationError, match="说明"):
        points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("lecture"), note=" ")
    with pytest.raises(ValidationError, match=r"5\.0到10\.0"):
        points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("honour"), note="市级", points=D("12"))
    with pytest.raises(ValidationError, match="自动计算"):
        points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("late_dues"), note="x")
    entry = points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("honour"), note="市级优秀党员",
                                    points=D("8"))
    assert entry.points == 8
    other = member(tree["branch_b"])
    with pytest.raises(ValidationError, match="不在"):
        points.points_entry_add(actor=None, sheet=sheet, person=other, item=item("lecture"), note="x")


def test_workflow_publication_objections_and_lock(tree):
    a = member(tree["branch_a"])
    sheet = points.points_sheet_open(actor=None, unit=tree["branch_a"], month=m("2026-10"))
    points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("volunteer"), note="社区志愿服务",
                            self_reported=True)
    with pytest.raises(ValidationError):
        points.points_sheet_publish(actor=None, sheet=sheet)  # must be reviewed first
    points.points_sheet_review(actor=None, sheet=sheet)
    with pytest.raises(ValidationError, match="自评阶段已结束"):
        points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("article"), note="x", self_reported=True)
    points.points_sheet_publish(actor=None, sheet=sheet, on=dt.date(2026, 11, 2))  # Monday
    assert sheet.publication_ends_on == dt.date(2026, 11, 6)
    with pytest.raises(ValidationError, match="不能修改"):
        points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("article"), note="x")
    with pytest.raises(ValidationError, match="公示期"):
        points.points_objection_record(actor=None, sheet=sheet, person=a, text="漏记", raised_on=dt.date(2026, 11, 9))
    objection = points.points_objection_record(actor=None, sheet=sheet, person=a, text="漏记一次志愿服务",
                                               raised_on=dt.date(2026, 11, 3))
    with pytest.raises(ValidationError, match="期满"):
        points.points_sheet_confirm(actor=None, sheet=sheet, on=dt.date(2026, 11, 6))
    with pytest.raises(ValidationError, match="未答复"):
        points.points_sheet_confirm(actor=None, sheet=sheet, on=dt.date(2026, 11, 9))
    points.points_objection_answer(actor=None, objection=objection, answer="经核实已记入，维持")
    points.points_sheet_confirm(actor=None, sheet=sheet, on=dt.date(2026, 11, 9))
    sheet.refresh_from_db()
    assert sheet.state == "confirmed" and sheet.is_locked
    entry = sheet.entries.get()
    for attempt in (
        lambda: points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("article"), note="x"),
        lambda: points.points_entry_remove(actor=None, entry=entry),
        lambda: points.points_compute_automatic(actor=None, sheet=sheet),
        lambda: points.points_sheet_review(actor=None, sheet=sheet),
    ):
        with pytest.raises(ValidationError):
            attempt()
    assert sheet.entries.count() == 1


def test_totals_stars_veto_and_rank(tree):
    a, b, c = (member(tree["branch_a"]) for _ in range(3))
    sheet = points.points_sheet_open(actor=None, unit=tree["branch_a"], month=m("2026-02"))
    points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("honour"), note="省级", points=D("10"),
                            count=3)
    points.points_entry_add(actor=None, sheet=sheet, person=b, item=item("honour"), note="市级", points=D("10"))
    points.points_entry_add(actor=None, sheet=sheet, person=c, item=item("honour"), note="市级", points=D("10"))
    points.points_entry_add(actor=None, sheet=sheet, person=c, item=item("violation"), note="违反廉洁纪律")
    # unconfirmed months do not count in the official totals
    assert {p.total for p in points.points_totals(tree["branch_a"], Period.parse("2026"))} == set()
    PointsSheet.objects.filter(pk=sheet.pk).update(state="confirmed")
    totals = {p.person_id: p for p in points.points_totals(tree["branch_a"], Period.parse("2026H1"))}
    assert (totals[a.pk].total, totals[a.pk].stars, totals[a.pk].rank) == (D("90"), 4, 1)
    assert (totals[b.pk].total, totals[b.pk].stars, totals[b.pk].rank) == (D("70"), 2, 2)
    assert totals[c.pk].total == 0 and totals[c.pk].vetoed and totals[c.pk].flagged and totals[c.pk].rank == 3


def test_stars_thresholds(scheme):
    expected = {59: 0, 60: 1, 69: 1, 70: 2, 80: 3, 89: 3, 90: 4, 95: 4, 96: 5, 120: 5}
    assert {total: points.stars_for(scheme, D(total)) for total in expected} == expected


def test_sheet_only_for_branches_and_past_months(tree):
    with pytest.raises(ValidationError):
        points.points_sheet_open(actor=None, unit=tree["committee"], month=m("2026-03"))
    with pytest.raises(ValidationError):
        points.points_sheet_open(actor=None, unit=tree["branch_a"], month=m("2099-03"))


def test_export_points(tree, tmp_path):
    from openpyxl import load_workbook

    from reports.exporters import run_export

    a = member(tree["branch_a"])
    sheet = points.points_sheet_open(actor=None, unit=tree["branch_a"], month=m("2026-02"))
    points.points_entry_add(actor=None, sheet=sheet, person=a, item=item("lecture"), note="讲党课")
    PointsSheet.objects.filter(pk=sheet.pk).update(state="confirmed")
    output = run_export(identifier="points", unit=tree["committee"], period=Period.parse("2026H1"), fmt="xlsx",
                        user=None, via="cli")
    path = tmp_path / output.filename
    path.write_bytes(output.content)
    book = load_workbook(path)
    rows = list(book["党员积分"].iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "党支部", "1月") and rows[0][-4:] == ("基础分", "年度累计总分", "星级", "支部内排名")
    assert rows[1][0] == a.name and rows[1][3] == 3 and rows[1][-3:] == (63, "★", 1)
    details = list(book["积分明细"].iter_rows(values_only=True))
    assert details[1][3] == "讲党课" and details[1][-1] == "已确认"


@pytest.mark.clock("2026-12-05")
def test_a_month_not_over_is_scored_and_published_only_early_with_a_reason(tree):
    """Issue 16, finding 6: on 5 December, December's points are not 评定 or 公示 without a reason;
    with one (提前评定) it is kept on the sheet and in its history. November, over, needs none."""
    member(tree["branch_a"])
    december = points.points_sheet_open(actor=None, unit=tree["branch_a"], month=m("2026-12"))
    with pytest.raises(ValidationError, match="12月尚未结束（12月31日截止）"):
        points.points_sheet_review(actor=None, sheet=december)
    december.refresh_from_db()
    assert december.state == "self" and not december.early_reason
    points.points_sheet_review(actor=None, sheet=december, early_reason="年底集中公示")
    points.points_sheet_publish(actor=None, sheet=december)  # the reason given stands for the 公示
    december.refresh_from_db()
    assert (december.state, december.early_reason) == ("public", "年底集中公示")
    assert december.history.filter(early_reason="年底集中公示").exists()

    november = points.points_sheet_open(actor=None, unit=tree["branch_a"], month=m("2026-11"))
    points.points_sheet_review(actor=None, sheet=november)
    with pytest.raises(ValidationError, match="11月尚未结束"):  # a 公示 dated inside the month
        points.points_sheet_publish(actor=None, sheet=november, on=dt.date(2026, 11, 25))
    points.points_sheet_publish(actor=None, sheet=november)
    november.refresh_from_db()
    assert (november.state, november.early_reason) == ("public", "")
