"""Amounts due by month (who owes, where, how much), payments and the ledger invariants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from branches.periods import Period
from dues import selectors, services
from dues.facts import (
    arrears_for_unit,
    figures_by_branch,
    figures_by_month,
    figures_for,
    figures_from_rows,
    figures_overview,
    figures_with_months,
    ledger_rows,
)
from dues.models import DuesDue, Payment, RateRule, RateTable
from members.models import Status
from members.services import member_exit, member_transfer_out
from tests.factories import make_tree

from .helpers import m, member

pytestmark = pytest.mark.django_db
D = Decimal


def due(person, month):
    return DuesDue.objects.get(person=person, month=m(month))


def test_generate_creates_one_row_per_member_and_is_idempotent(tree):
    a = member(tree["branch_a"], base="5100")
    b = member(tree["branch_b"], category="离退休", base="5000")
    first = services.dues_generate(actor=None, month=m("2026-03"))
    assert first.created == 2 and first.changes == []
    assert due(a, "2026-03").amount == D("76.50") and due(a, "2026-03").unit == tree["branch_a"]
    assert due(b, "2026-03").amount == D("25.00")
    second = services.dues_generate(actor=None, month=m("2026-03"))
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert DuesDue.objects.count() == 2


def test_database_refuses_second_row_for_member_and_month(tree):
    a = member(tree["branch_a"])
    services.dues_generate(actor=None, month=m("2026-03"))
    row = due(a, "2026-03")
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesDue.objects.create(person=a, month=row.month, unit=row.unit, category="在职", amount=1, table=row.table)


def test_base_change_mid_year_applies_from_its_month_and_is_reported(tree):
    a = member(tree["branch_a"], base="4000", since=dt.date(2026, 1, 1))
    for month in ("2026-06", "2026-07"):
        services.dues_generate(actor=None, month=m(month))
    services.dues_base_set(actor=None, person=a, category="在职", base=D("6000"), effective_from=dt.date(2026, 7, 10))
    june = services.dues_generate(actor=None, month=m("2026-06"))
    july = services.dues_generate(actor=None, month=m("2026-07"))
    assert june.updated == 0 and due(a, "2026-06").amount == D("40.00")
    assert july.updated == 1 and due(a, "2026-07").amount == D("90.00")
    assert "基数 4000→6000" in july.changes[0] and "应缴 40→90" in july.changes[0]


def test_new_rate_table_from_a_date_leaves_past_months(tree):
    a = member(tree["branch_a"], base="4000")
    services.dues_generate(actor=None, month=m("2026-12"))
    table = RateTable.objects.create(name="2027标准", effective_from=dt.date(2027, 1, 1), source="测试文件")
    RateRule.objects.create(table=table, category="在职", upper_bound=None, rate=D("0.02"))
    again = services.dues_generate(actor=None, month=m("2026-12"))
    assert again.updated == 0 and due(a, "2026-12").amount == D("40.00")
    # a later month would use the new table (not generated: it lies in the future of the test data)
    assert services.expected_amount(a, dt.date(2027, 1, 1)) == D("80.00")


def test_probationary_member_pays_from_the_month_accepted(tree):
    p = member(tree["branch_a"], status=Status.PROBATIONARY, probationary_on=dt.date(2026, 3, 20),
               candidate_on=dt.date(2025, 9, 1), activist_on=dt.date(2024, 6, 1), applied_on=dt.date(2024, 1, 5))
    assert services.owing_unit(p, m("2026-02")) is None
    assert services.owing_unit(p, m("2026-03")) == tree["branch_a"].pk
    feb = services.dues_generate(actor=None, month=m("2026-02"))
    assert feb.created == 0


def test_applicants_owe_nothing(tree):
    member(tree["branch_a"], status=Status.ACTIVIST)
    assert services.dues_generate(actor=None, month=m("2026-03")).created == 0


def test_transfer_month_is_owed_in_the_old_branch(tree):
    a = member(tree["branch_a"])
    member_transfer_out(actor=None, person=a, date=dt.date(2026, 5, 15), to_unit=tree["branch_b"])
    assert services.owing_unit(a, m("2026-05")) == tree["branch_a"].pk
    assert services.owing_unit(a, m("2026-06")) == tree["branch_b"].pk
    services.dues_generate(actor=None, month=m("2026-05"))
    services.dues_generate(actor=None, month=m("2026-06"))
    assert due(a, "2026-05").unit == tree["branch_a"] and due(a, "2026-06").unit == tree["branch_b"]
    # the old branch's figures for June no longer include the member
    assert figures_for(tree["branch_a"], Period.parse("2026-06")).owed == 0
    # over the quarter each month counts once, in the branch it was owed in: the branches add up
    total, rows = figures_overview(tree["committee"], Period.parse("2026Q2"))
    assert total.owed == 2 and sum(f.owed for _, f in rows) == 2


def test_transfer_on_the_first_moves_that_month(tree):
    a = member(tree["branch_a"])
    member_transfer_out(actor=None, person=a, date=dt.date(2026, 5, 1), to_unit=tree["branch_b"])
    assert services.owing_unit(a, m("2026-04")) == tree["branch_a"].pk
    assert services.owing_unit(a, m("2026-05")) == tree["branch_b"].pk


def test_exit_stops_dues_after_that_month(tree):
    a = member(tree["branch_a"])
    member_exit(actor=None, person=a, kind="death", date=dt.date(2026, 5, 10), reason="病故")
    assert services.owing_unit(a, m("2026-05")) == tree["branch_a"].pk
    assert services.owing_unit(a, m("2026-06")) is None


def test_generate_reports_members_without_a_base(tree):
    from tests.factories import make_person

    make_person(tree["branch_a"])
    report = services.dues_generate(actor=None, month=m("2026-03"))
    assert report.created == 0 and len(report.missing_base) == 1 and "缺少党费基数" in report.summary


def test_hardship_requires_approval_and_farmer_amount_is_checked(tree):
    from tests.factories import make_person

    p = make_person(tree["branch_a"])
    with pytest.raises(ValidationError, match="文号"):
        services.dues_base_set(actor=None, person=p, category="困难减免", base=None, effective_from=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="不能高于"):
        services.dues_base_set(actor=None, person=p, category="农民", base=None, amount=D("1.50"),
                               effective_from=dt.date(2026, 1, 1))
    services.dues_base_set(actor=None, person=p, category="农民", base=None, amount=D("0.50"),
                           effective_from=dt.date(2026, 1, 1))
    assert services.expected_amount(p, m("2026-02")) == D("0.50")


# ---------------------------------------------------------------------------------------------
# Payments


def test_record_payment_defaults_to_amount_due_with_receipt(tree):
    a = member(tree["branch_a"], base="5100")
    services.dues_generate(actor=None, month=m("2026-03"))
    outcome = services.payments_record(actor=None, person=a, months=[m("2026-03")], paid_on=dt.date(2026, 3, 10))
    (payment,) = outcome.payments
    assert payment.amount == D("76.50") and payment.unit == tree["branch_a"] and payment.months_late == 0
    assert outcome.receipt.number == f"{tree['branch_a'].code}-2026-00001"
    assert outcome.warnings == []


def test_second_payment_for_a_month_is_refused_by_service_and_database(tree):
    a = member(tree["branch_a"])
    services.dues_generate(actor=None, month=m("2026-03"))
    services.payments_record(actor=None, person=a, months=[m("2026-03")], paid_on=dt.date(2026, 3, 10))
    with pytest.raises(ValidationError, match="不能重复"):
        services.payments_record(actor=None, person=a, months=[m("2026-03")], paid_on=dt.date(2026, 3, 11))
    first = Payment.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(person=a, month=first.month, unit=first.unit, amount=D("1"), paid_on=first.paid_on)


def test_amount_above_due_is_refused(tree):
    a = member(tree["branch_a"], base="4000")
    services.dues_generate(actor=None, month=m("2026-03"))
    with pytest.raises(ValidationError, match="超过应缴"):
        services.payments_record(actor=None, person=a, months=[m("2026-03")], paid_on=dt.date(2026, 3, 10),
                                 amounts={m("2026-03"): D("40.01")})


def test_void_restores_outstanding_and_allows_recording_again(tree):
    a = member(tree["branch_a"], base="4000")
    services.dues_generate(actor=None, month=m("2026-03"))
    outcome = services.payments_record(actor=None, person=a, months=[m("2026-03")], paid_on=dt.date(2026, 3, 10))
    period = Period.parse("2026-03")
    assert figures_for(tree["branch_a"], period).outstanding == 0
    with pytest.raises(ValidationError):
        services.payment_void(actor=None, payment=outcome.payments[0], reason="  ")
    services.payment_void(actor=None, payment=outcome.payments[0], reason="重复登记")
    figures = figures_for(tree["branch_a"], period)
    assert figures.outstanding == D("40.00") and figures.paid == 0
    assert Payment.objects.count() == 1  # kept, marked void
    services.payments_record(actor=None, person=a, months=[m("2026-03")], paid_on=dt.date(2026, 3, 12))
    assert figures_for(tree["branch_a"], period).paid == D("40.00")


def test_quarterly_prepayment_before_generation(tree):
    a = member(tree["branch_a"], base="4000")
    outcome = services.payment_prepay_quarter(actor=None, person=a, quarter=Period.parse("2026Q3"),
                                              paid_on=dt.date(2026, 6, 20))
    assert [p.month for p in outcome.payments] == [m("2026-07"), m("2026-08"), m("2026-09")]
    assert {p.receipt_id for p in outcome.payments} == {outcome.receipt.pk}
    assert all(p.is_prepayment for p in outcome.payments) and outcome.total == D("120.00")
    for month in ("2026-07", "2026-08", "2026-09"):
        services.dues_generate(actor=None, month=m(month))
    figures = figures_for(tree["branch_a"], Period.parse("2026Q3"))
    assert (figures.due, figures.paid, figures.outstanding) == (D("120.00"), D("120.00"), 0)


def test_back_payment_beyond_six_months_warns(tree):
    a = member(tree["branch_a"], base="4000")
    for month in ("2026-01", "2026-02"):
        services.dues_generate(actor=None, month=m(month))
    outcome = services.payments_record(actor=None, person=a, months=[m("2026-01"), m("2026-02")],
                                       paid_on=dt.date(2026, 8, 5))
    assert outcome.payments[0].months_late == 7 and outcome.payments[1].months_late == 6
    assert len(outcome.warnings) == 1 and "2026年01月" in outcome.warnings[0]


def test_voluntary_payment_of_1000_is_flagged_for_the_centre(tree):
    a = member(tree["branch_a"])
    big = services.payment_voluntary(actor=None, person=a, amount=D("1000"), paid_on=dt.date(2026, 7, 1))
    small = services.payment_voluntary(actor=None, person=a, amount=D("999.99"), paid_on=dt.date(2026, 7, 1))
    assert big.payments[0].remit_to_centre and big.warnings
    assert not small.payments[0].remit_to_centre
    assert figures_for(tree["branch_a"], Period.parse("2026-07")).voluntary == D("1999.99")


def test_future_payment_date_refused(tree):
    a = member(tree["branch_a"])
    with pytest.raises(ValidationError, match="晚于今天"):
        services.payments_record(actor=None, person=a, months=[m("2026-03")], paid_on=dt.date(2099, 1, 1))


def test_month_not_owed_is_refused(tree):
    a = member(tree["branch_a"], joined_on=dt.date(2026, 3, 1), since=dt.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="不需缴纳"):
        services.payments_record(actor=None, person=a, months=[m("2026-01")], paid_on=dt.date(2026, 3, 10))


def test_month_sheet_is_all_or_nothing(tree):
    a = member(tree["branch_a"], base="4000")
    b = member(tree["branch_a"], base="3000")
    outsider = member(tree["branch_b"])
    services.dues_generate(actor=None, month=m("2026-03"))
    with pytest.raises(ValidationError):
        services.payments_record_sheet(actor=None, unit=tree["branch_a"], month=m("2026-03"),
                                       paid={a.pk: D("40"), outsider.pk: D("40")}, paid_on=dt.date(2026, 3, 5))
    assert Payment.objects.count() == 0
    outcome = services.payments_record_sheet(actor=None, unit=tree["branch_a"], month=m("2026-03"),
                                             paid={a.pk: D("40"), b.pk: D("15")}, paid_on=dt.date(2026, 3, 5))
    assert outcome.recorded == 2 and outcome.total == D("55.00")


# ---------------------------------------------------------------------------------------------
# Figures and arrears


def test_figures_money_and_people(tree):
    a = member(tree["branch_a"], base="4000")
    b = member(tree["branch_a"], base="3000")
    c = member(tree["branch_b"], base="10000")
    for month in ("2026-01", "2026-02", "2026-03"):
        services.dues_generate(actor=None, month=m(month))
    services.payments_record(actor=None, person=a, months=[m("2026-01"), m("2026-02"), m("2026-03")],
                             paid_on=dt.date(2026, 3, 5))
    services.payments_record(actor=None, person=b, months=[m("2026-01")], paid_on=dt.date(2026, 1, 5))
    services.payments_record(actor=None, person=c, months=[m("2026-01")], paid_on=dt.date(2026, 1, 5),
                             amounts={m("2026-01"): D("100")})
    q1 = Period.parse("2026Q1")
    branch = figures_for(tree["branch_a"], q1)
    assert (branch.due, branch.paid, branch.outstanding) == (D("165.00"), D("135.00"), D("30.00"))
    # member-months: a paid all three, b paid January: 4 of 6
    assert (branch.owed, branch.settled) == (6, 4)
    assert branch.rate_money == D("81.8") and branch.rate_people == D("66.7")
    committee = figures_for(tree["committee"], q1)
    assert committee.due == D("615.00") and committee.paid == D("235.00") and committee.owed == 9
    assert committee.partial == 1 and committee.settled == 4  # c paid 100 of January's 150: 未缴足
    per_branch = dict(figures_by_branch(tree["committee"], q1))
    assert per_branch[tree["branch_a"]].due + per_branch[tree["branch_b"]].due == committee.due
    total, rows = figures_overview(tree["committee"], q1)
    assert (total.due, total.paid, total.owed, total.settled) == (committee.due, committee.paid, 9, 4)
    assert dict(rows)[tree["branch_b"]].rate_money == per_branch[tree["branch_b"]].rate_money


def test_arrears_aging_and_lapse_case(tree):
    a = member(tree["branch_a"], base="4000")
    b = member(tree["branch_a"], base="4000")
    for number in range(1, 9):
        services.dues_generate(actor=None, month=m(f"2026-{number:02d}"))
    # b pays all but May–June; a pays nothing
    for number in (1, 2, 3, 4, 7, 8):
        services.payments_record(actor=None, person=b, months=[m(f"2026-{number:02d}")], paid_on=dt.date(2026, 8, 20))
    found = {x.person_id: x for x in arrears_for_unit(tree["branch_a"], on=dt.date(2026, 9, 3))}
    assert found[a.pk].count == 8 and found[a.pk].consecutive == 8 and found[a.pk].level == "lapse"
    assert found[a.pk].amount == D("320.00") and found[a.pk].run_start == m("2026-01")
    assert found[b.pk].count == 2 and found[b.pk].level == "minor"
    # the current month is not yet overdue
    assert arrears_for_unit(tree["branch_a"], on=dt.date(2026, 3, 31))[0].count == 2
    cases = services.arrears_cases_open(actor=None, unit=tree["branch_a"], on=dt.date(2026, 9, 3))
    assert [c.person for c in cases] == [a]
    assert services.arrears_cases_open(actor=None, unit=tree["branch_a"], on=dt.date(2026, 9, 3)) == []
    # the portal never removes anyone: the membership is untouched
    assert a.memberships.filter(ended_on__isnull=True).exists()
    services.arrears_case_handle(actor=None, case=cases[0], state="reason", handling="长期病休，已谈话")
    with pytest.raises(ValidationError):
        services.arrears_case_handle(actor=None, case=cases[0], state="open", handling="x")


def test_three_months_warns(tree):
    a = member(tree["branch_a"], base="4000")
    for number in range(1, 5):
        services.dues_generate(actor=None, month=m(f"2026-{number:02d}"))
    services.payments_record(actor=None, person=a, months=[m("2026-02")], paid_on=dt.date(2026, 2, 5))
    (arrear,) = arrears_for_unit(tree["branch_a"], on=dt.date(2026, 5, 2))
    assert arrear.count == 3 and arrear.consecutive == 2 and arrear.level == "warning"


class LedgerInvariants(HypothesisTestCase):
    """Whatever is paid, voided and re-paid: paid ≤ due + prepayment, no duplicate live rows,
    outstanding = due − paid, and voiding restores exactly what was paid."""

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.tuples(st.integers(1, 6), st.booleans(), st.integers(50, 100)), max_size=12))
    def test_invariants(self, actions):
        tree = make_tree()
        a = member(tree["branch_a"], base="5100")
        for number in range(1, 5):
            services.dues_generate(actor=None, month=m(f"2026-{number:02d}"))
        for month_number, void, percent in actions:
            month = m(f"2026-{month_number:02d}")
            live = Payment.objects.filter(person=a, month=month, voided_at__isnull=True).first()
            if live and void:
                services.payment_void(actor=None, payment=live, reason="测试")
            elif not live:
                amount = (services.expected_amount(a, month) * percent / 100).quantize(D("0.01"))
                services.payments_record(actor=None, person=a, months=[month], paid_on=dt.date(2026, 6, 1),
                                         amounts={month: amount})
        rows = ledger_rows(tree["branch_a"], Period.parse("2026H1"))
        figures = figures_for(tree["branch_a"], Period.parse("2026H1"))
        live = Payment.objects.filter(person=a, voided_at__isnull=True)
        prepaid = sum((p.amount for p in live if p.month > m("2026-04")), D("0"))
        assert sum((p.amount for p in live), D("0")) <= figures.due + prepaid
        assert live.values("month").distinct().count() == live.count()
        assert figures.outstanding == figures.due - figures.paid
        assert figures.paid == sum((r.paid for r in rows), D("0"))
        # the database aggregate (pages, committee overview) agrees with the row ledger (export)
        by_rows = figures_from_rows(rows)
        assert (figures.due, figures.paid, figures.outstanding, figures.owed, figures.settled, figures.partial) == (
            by_rows.due, by_rows.paid, by_rows.outstanding, by_rows.owed, by_rows.settled, by_rows.partial)
        months = dict(figures_by_month(tree["branch_a"], Period.parse("2026H1")))
        assert sum((f.paid for f in months.values()), D("0")) == figures.paid
        # the branch page reads both from one query
        assert figures_with_months(tree["branch_a"], Period.parse("2026H1")) == (figures, list(months.items()))


def test_backfill_agrees_with_generate(tree):
    a = member(tree["branch_a"], base="5100")
    b = member(tree["branch_a"], category="离退休", base="5000.01")
    c = member(tree["branch_b"], category="农民", base=None, amount="0.80")
    member(tree["branch_b"], status=Status.PROBATIONARY, probationary_on=dt.date(2026, 3, 20),
           candidate_on=dt.date(2025, 9, 1), activist_on=dt.date(2024, 6, 1), applied_on=dt.date(2024, 1, 5))
    member_transfer_out(actor=None, person=a, date=dt.date(2026, 3, 15), to_unit=tree["branch_b"])
    services.dues_base_set(actor=None, person=b, category="离退休", base=D("4000"), effective_from=dt.date(2026, 3, 1))
    months = [m(f"2026-{n:02d}") for n in range(1, 6)]
    for month in months:
        assert selectors.owing_units_bulk([month])[month] == selectors.owing_units(month)
    created = services.dues_backfill(actor=None, months=months)
    snapshot = sorted(DuesDue.objects.values_list("person_id", "month", "unit_id", "category", "base", "rate", "amount"))
    assert created == len(snapshot) == 3 * 5 + 3  # three members all year, the 预备党员 from March
    reports = [services.dues_generate(actor=None, month=month) for month in months]
    assert all(r.created == 0 and r.updated == 0 for r in reports)
    assert services.dues_backfill(actor=None, months=months) == 0
    assert DuesDue.objects.get(person=c, month=m("2026-02")).amount == D("0.80")
    assert DuesDue.objects.get(person=a, month=m("2026-04")).unit == tree["branch_b"]
    assert DuesDue.objects.get(person=b, month=m("2026-02")).amount == D("50.00")


def test_remittances_and_voluntary_roll_up_to_the_committee(tree):
    a = member(tree["branch_a"], base="4000")
    b = member(tree["branch_b"], base="4000")
    for month in ("2026-01", "2026-02", "2026-03"):
        services.dues_generate(actor=None, month=m(month))
    for person in (a, b):
        services.payments_record(actor=None, person=person, months=[m("2026-01"), m("2026-02"), m("2026-03")],
                                 paid_on=dt.date(2026, 3, 5))
    services.remittance_record(actor=None, unit=tree["branch_a"], period=Period.parse("2026Q1"), amount=D("120"),
                               remitted_on=dt.date(2026, 4, 10))
    services.remittance_record(actor=None, unit=tree["branch_b"], period=Period.parse("2026-01"), amount=D("40"),
                               remitted_on=dt.date(2026, 2, 10))
    services.payment_voluntary(actor=None, person=b, amount=D("1200"), paid_on=dt.date(2026, 2, 1))
    voided = services.remittance_record(actor=None, unit=tree["branch_b"], period=Period.parse("2026-02"),
                                        amount=D("40"), remitted_on=dt.date(2026, 3, 10))
    services.remittance_void(actor=None, remittance=voided, reason="重复登记")
    q1 = Period.parse("2026Q1")
    committee = figures_for(tree["committee"], q1)
    assert (committee.remitted, committee.voluntary, committee.paid) == (D("160.00"), D("1200.00"), D("240.00"))
    assert committee.retained == D("1280.00")
    per_branch = dict(figures_by_branch(tree["committee"], q1))
    assert per_branch[tree["branch_a"]].retained == 0
    assert per_branch[tree["branch_b"]].remitted == D("40.00") and per_branch[tree["branch_b"]].retained == D("1280.00")
    assert figures_for(tree["branch_b"], Period.parse("2026-01")).remitted == D("40.00")
    assert figures_for(tree["branch_a"], Period.parse("2026-01")).remitted == 0  # a quarter's remittance is not a month's


def test_generate_reports_rows_no_longer_owed_without_deleting(tree):
    a = member(tree["branch_a"])
    services.dues_generate(actor=None, month=m("2026-05"))
    membership = a.memberships.get()
    membership.started_on = dt.date(2026, 6, 1)  # the join date was corrected
    membership.save()
    report = services.dues_generate(actor=None, month=m("2026-05"))
    assert len(report.stale) == 1 and a.name in report.stale[0] and "已不应缴" in report.summary
    assert DuesDue.objects.filter(person=a, month=m("2026-05")).exists()
