"""Payments always count (issue 16, finding 4): recording or importing a payment for a month whose
应缴 were never generated generates that month's 应缴 first and says so; a page or report whose
months lack 应缴 says which."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from branches.importing import importer_for
from branches.periods import Period
from dues import services
from dues.facts import figures_for, missing_dues
from dues.models import DuesDue, Payment
from reports.workreport import build, sentences

from .helpers import m, member
from .test_cli import workbook

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-12-05")]
D = Decimal
H1 = Period.parse("2026H1")
TODAY = dt.date(2026, 12, 5)
# 2% of 15000, 1.5% of 10000, 1% of 5000 and of 4500: 300 + 150 + 50 + 45 = 545.00
BASES = ("15000", "10000", "5000", "4500")


@pytest.fixture
def people(tree):
    """Branch A's members on a new installation: bases recorded, no 应缴 generated for any month."""
    return [member(tree["branch_a"], base=base) for base in BASES]


def rows(people):
    return [[p.id_number, "2026-03", amount, "2026-03-10", "微信", ""]
            for p, amount in zip(people, ("300.00", "150.00", "50.00", "45.00"), strict=True)]


def test_importing_last_years_payments_generates_the_month_and_they_count(tree, people, tmp_path):
    path = workbook(tmp_path / "payments.xlsx", rows(people))
    preview = importer_for("payments").run(path, dry_run=True)
    assert "第一党支部2026年3月的应缴尚未生成，将先生成（新增4条）" in preview.summary
    assert not DuesDue.objects.exists()  # a preview writes nothing
    result = importer_for("payments").run(path)
    assert result.created == 4 and "第一党支部2026年3月的应缴尚未生成，已先生成（新增4条）" in result.summary
    assert DuesDue.objects.filter(month=m("2026-03"), unit=tree["branch_a"]).count() == 4
    figures = figures_for(tree["committee"], H1, on=TODAY)
    assert (figures.due, figures.paid, figures.settled) == (D("545.00"), D("545.00"), 4)
    report = build(tree["committee"], H1)
    assert report["dues-paid"].value == D("545.00")  # the old report said 实缴0.00元
    text = "".join(paragraph for heading, paragraphs in sentences(report) if heading == "党费收缴"
                   for paragraph in paragraphs)
    assert "实缴545.00元" in text
    # the other months of the half-year still lack 应缴, and the report says which
    assert "2026年1月未生成应缴（第一党支部）" in text and "2026年3月未生成应缴" not in text
    assert any("2026年1月未生成应缴" in problem for problem in report.problems)
    # re-importing changes nothing and generates nothing
    again = importer_for("payments").run(path)
    assert (again.created, again.unchanged, again.notes) == (0, 4, [])


def test_recording_a_payment_generates_only_what_is_missing(tree, people):
    a, b, *_ = people
    outcome = services.payments_record(actor=None, person=a, months=[m("2026-03")], paid_on=dt.date(2026, 3, 10))
    assert outcome.generated == ["第一党支部2026年3月的应缴尚未生成，已先生成（新增4条），缴费计入收缴"]
    # a member added to the branch later: only their row is generated
    late = member(tree["branch_a"], base="4000")
    outcome = services.payments_record(actor=None, person=late, months=[m("2026-03")], paid_on=dt.date(2026, 3, 10))
    assert outcome.generated == [f"第一党支部{late.name}2026年3月的应缴尚未生成，已先生成（新增1条），缴费计入收缴"]
    assert services.payments_record(actor=None, person=b, months=[m("2026-03")],
                                    paid_on=dt.date(2026, 3, 10)).generated == []
    # a prepayment of a month not begun waits for the month's own generation
    prepaid = services.payment_prepay_quarter(actor=None, person=a, quarter=Period.parse("2027Q1"), paid_on=TODAY)
    assert prepaid.generated == [] and not DuesDue.objects.filter(month__year=2027).exists()


def test_the_sheet_and_the_member_page_say_what_was_generated(tree, people, client_for, owner):
    a = people[0]
    response = client_for(owner).post(reverse("dues:person", args=[a.pk]), {
        "action": "pay", "months": ["2026-02"], "paid_on": "2026-02-10", "method": "现金"}, follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert "第一党支部2026年2月的应缴尚未生成，已先生成（新增4条），缴费计入收缴" in shown


def test_months_without_dues_are_named_with_the_payments_they_hide(tree, people, client_for, owner, staff):
    services.dues_generate(actor=None, month=m("2026-01"))
    services.dues_generate(actor=None, month=m("2026-02"))
    # a payment left by an earlier version of the portal, for a month never generated
    Payment.objects.create(person=people[0], month=m("2026-03"), unit=tree["branch_a"], amount=D("300.00"),
                           paid_on=dt.date(2026, 3, 10))
    gaps = missing_dues(tree["committee"], H1, on=TODAY)
    assert [gap.month for gap in gaps] == [m("2026-03"), m("2026-04"), m("2026-05"), m("2026-06")]
    assert gaps[0].label == "2026年3月未生成应缴（第一党支部），已登记的1笔缴费共300.00元未计入收缴"
    assert gaps[1].label == "2026年4月未生成应缴（第一党支部）"
    # a period still running: only the months begun by then
    assert [gap.month for gap in missing_dues(tree["branch_a"], Period.parse("2027Q1"), on=TODAY)] == []
    for user, unit in ((owner, tree["branch_a"]), (staff, tree["committee"])):
        page = client_for(user).get(reverse("dues:unit", args=[unit.pk]), {"period": "2026H1"})
        assert page.context["missing_dues"] == gaps
        assert "2026年3月未生成应缴（第一党支部），已登记的1笔缴费共300.00元未计入收缴" in page.content.decode()
    services.dues_generate(actor=None, month=m("2026-03"))
    assert missing_dues(tree["committee"], H1, on=TODAY)[0].month == m("2026-04")
    assert figures_for(tree["committee"], Period.parse("2026-03"), on=TODAY).paid == D("300.00")
