"""收缴率（人数）has one definition (docs/figures.md): member-months paid in full ÷ member-months
owed, as of the period's end or today; 免缴 months are neither owed nor paid; a partial payment is
未缴足 and can be topped up (补足). Issue 16, finding 3."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from branches.periods import Period
from dues import services
from dues.facts import figures_by_month, figures_for, figures_from_rows, figures_overview, ledger_rows
from dues.models import Payment
from tests.factories import make_person, make_tree

from .helpers import m, member

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-12-05")]
D = Decimal
YEAR, DEC = Period.parse("2026"), Period.parse("2026-12")
TODAY = dt.date(2026, 12, 5)


def generate(*months: str) -> None:
    for month in months:
        services.dues_generate(actor=None, month=m(month))


def pay(person, month: str, amount: str | None = None, paid_on: dt.date | None = None):
    amounts = {m(month): D(amount)} if amount else None
    return services.payments_record(actor=None, person=person, months=[m(month)],
                                    paid_on=paid_on or Period.parse(month).end, amounts=amounts)


def exempt_member(unit):
    """A member exempted to 0 (困难减免 with the branch's decision and the approval recorded)."""
    person = make_person(unit, joined_on=dt.date(2015, 1, 1))
    services.dues_base_set(actor=None, person=person, category="困难减免", base=None,
                           effective_from=dt.date(2015, 1, 1), approval_ref="机关党委〔2026〕1号")
    return person


@pytest.fixture
def year(tree):
    """Branch A in 2026: a pays every month but December (not yet, on 5 December), b pays every month
    and December, c is 免缴 all year, d paid 20.00 of December's 40.00."""
    branch = tree["branch_a"]
    a, b, d = (member(branch, base="4000") for _ in range(3))
    c = exempt_member(branch)
    months = [f"2026-{n:02d}" for n in range(1, 13)]
    generate(*months)
    for month in months[:-1]:
        for person in (a, b, d):
            pay(person, month)
    pay(b, "2026-12", paid_on=TODAY)
    pay(d, "2026-12", "20.00", paid_on=TODAY)
    return {"branch": branch, "a": a, "b": b, "c": c, "d": d}


def test_the_years_rate_is_its_member_months_not_decembers(year):
    figures = figures_for(year["branch"], YEAR, on=TODAY)
    # 3 paying members × 12 months owed; c's 免缴 months are neither owed nor paid
    assert (figures.owed, figures.settled, figures.partial, figures.exempt) == (36, 34, 1, 12)
    assert figures.rate_people == D("94.4")  # the old figure: 1 of 4 people "fully paid" (25.0)
    assert figures.measure == "人次" and figures.as_of == TODAY and figures.as_of_label == "截至12月5日"
    december = figures_for(year["branch"], DEC, on=TODAY)
    assert (december.owed, december.settled, december.unpaid, december.measure) == (3, 1, 2, "人")
    # the year is its months summed
    months = figures_by_month(year["branch"], YEAR, on=TODAY)
    assert sum(f.owed for _, f in months) == figures.owed and sum(f.settled for _, f in months) == figures.settled
    # a period over is read as of its end, and says nothing about "截至"
    assert figures_for(year["branch"], Period.parse("2026H1"), on=TODAY).as_of is None


def test_exempt_is_neither_owed_nor_paid_on_every_surface(year, client_for, owner):
    month = figures_for(year["branch"], DEC, on=TODAY)
    assert month.exempt == 1 and month.owed == 3
    page = client_for(owner).get(reverse("dues:sheet", args=[year["branch"].pk, "2026-12"]))
    html = page.content.decode()
    assert page.context["figures"] == month
    assert "应缴3人" in html and "已缴足1人" in html and "未缴2人（其中未缴足1人）" in html and "免缴1人" in html
    rows = {row.person.pk: row for row in page.context["rows"]}
    assert rows[year["c"].pk].status == "免缴" and rows[year["a"].pk].status == "未缴"
    assert figures_from_rows(ledger_rows(year["branch"], YEAR, on=TODAY)).settled == 34


def test_a_partial_payment_is_not_ticked_and_can_be_topped_up(year, client_for, owner):
    url = reverse("dues:sheet", args=[year["branch"].pk, "2026-12"])
    html = client_for(owner).get(url).content.decode()
    row = html[html.index('data-status="未缴足"'):]
    row = row[:row.index("</tr>")]
    assert year["d"].name in row and "bi-check-circle-fill" not in row
    assert "还差20.00元" in row and reverse("dues:top_up", args=[year["branch"].pk, "2026-12"]) in row
    response = client_for(owner).post(reverse("dues:top_up", args=[year["branch"].pk, "2026-12"]), {
        "person": year["d"].pk, f"topup_{year['d'].pk}": "20.00", "paid_on": "2026-12-05", "method": "现金"})
    assert response.status_code == 302
    live = Payment.objects.filter(person=year["d"], month=m("2026-12"), voided_at__isnull=True).order_by("instalment")
    assert [(p.instalment, p.amount) for p in live] == [(1, D("20.00")), (2, D("20.00"))]
    top_up = live.last()
    assert top_up.receipt is not None and top_up.history.first().history_user == owner
    december = figures_for(year["branch"], DEC, on=TODAY)
    assert (december.settled, december.partial) == (2, 0)
    html = client_for(owner).get(url).content.decode()
    assert html.count('data-status="已缴"') == 2 and "补足</span> 20.00元" in html


def test_top_up_is_bounded_by_what_is_still_owed(year):
    d = year["d"]
    for amount, message in ((D("20.01"), "还需补足20.00元"), (D("0"), "金额"), (D("-5"), "金额")):
        with pytest.raises(ValidationError) as refused:
            services.payment_top_up(actor=None, person=d, month=m("2026-12"), amount=amount, paid_on=TODAY)
        assert message in " ".join(refused.value.messages)
    with pytest.raises(ValidationError, match="尚未登记缴纳"):
        services.payment_top_up(actor=None, person=year["a"], month=m("2026-12"), paid_on=TODAY)
    with pytest.raises(ValidationError, match="已缴足"):
        services.payment_top_up(actor=None, person=year["b"], month=m("2026-12"), paid_on=TODAY)
    with pytest.raises(ValidationError, match="晚于今天"):
        services.payment_top_up(actor=None, person=d, month=m("2026-12"), paid_on=TODAY + dt.timedelta(days=1))
    # the month sheet's ordinary form refuses a second payment and says how to pay the rest
    with pytest.raises(ValidationError, match=r"未缴足20\.00元，请在收缴表上“补足”"):
        pay(d, "2026-12", paid_on=TODAY)
    # two top-ups (the default: all that is owed, in two steps), then voiding one owes it again
    first = services.payment_top_up(actor=None, person=d, month=m("2026-12"), amount=D("6"), paid_on=TODAY)
    services.payment_top_up(actor=None, person=d, month=m("2026-12"), paid_on=TODAY)
    assert figures_for(year["branch"], DEC, on=TODAY).settled == 2
    services.payment_void(actor=None, payment=first.payments[0], reason="登记错误")
    december = figures_for(year["branch"], DEC, on=TODAY)
    assert (december.settled, december.partial, december.outstanding) == (1, 1, D("46.00"))


def test_top_up_access(year, client_for, owner, staff, outsider, viewer):
    url = reverse("dues:top_up", args=[year["branch"].pk, "2026-12"])
    data = {"person": year["d"].pk, f"topup_{year['d'].pk}": "20.00", "paid_on": "2026-12-05", "method": "现金"}
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(viewer).post(url, data).status_code == 403
    assert client_for(staff).post(url, data).status_code == 403
    assert client_for(owner).get(url).status_code == 405
    assert not Payment.objects.filter(instalment=2).exists()
    # bad input: a message, never a 500
    for bad in ({**data, f"topup_{year['d'].pk}": "abc"}, {**data, "person": "x"}, {**data, "paid_on": ""}):
        response = client_for(owner).post(url, bad, follow=True)
        assert response.status_code == 200 and list(response.context["messages"])
    assert not Payment.objects.filter(instalment=2).exists()


def test_the_home_todo_and_the_sheet_count_the_same_unpaid(year, client_for, owner):
    from reports.dashboards import ledger_todos

    texts = [todo.text for todo in ledger_todos(year["branch"], TODAY)]
    assert "12月还有2人未缴党费（其中1人未缴足）" in texts


class MemberMonths(HypothesisTestCase):
    """Whatever each member paid each month (nothing, part, all, all in two instalments) and
    whoever is 免缴: the committee's member-months are its branches' and its months' sums, the
    database aggregate equals the row ledger, and 收缴率（人数） is settled ÷ owed."""

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(["none", "part", "full", "two"]), min_size=6, max_size=6), st.booleans())
    def test_member_months_add_up(self, states, with_exempt):
        import time_machine

        with time_machine.travel(dt.datetime(2026, 12, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
            tree = make_tree()
            people = [member(tree["branch_a"], base="4000"), member(tree["branch_b"], base="6000")]
            if with_exempt:
                exempt_member(tree["branch_b"])
            months = ["2026-10", "2026-11", "2026-12"]
            generate(*months)
            for index, state in enumerate(states):
                person, month = people[index % 2], months[index // 2]
                due = services.expected_amount(person, m(month))
                if state in ("part", "two"):
                    pay(person, month, str(due - D("1.10")), paid_on=TODAY)
                if state == "full":
                    pay(person, month, paid_on=TODAY)
                if state == "two":
                    services.payment_top_up(actor=None, person=person, month=m(month), paid_on=TODAY)
            period = Period.parse("2026Q4")
            total, branches = figures_overview(tree["committee"], period, on=TODAY)
            expected_settled = sum(state in ("full", "two") for state in states)
            assert (total.owed, total.settled) == (6, expected_settled)
            assert total.partial == sum(state == "part" for state in states)
            assert total.exempt == (3 if with_exempt else 0)
            assert sum(f.owed for _, f in branches) == total.owed
            assert sum(f.settled for _, f in branches) == total.settled
            assert sum(f.settled for _, f in figures_by_month(tree["committee"], period, on=TODAY)) == total.settled
            by_rows = figures_from_rows(ledger_rows(tree["committee"], period, on=TODAY))
            assert (by_rows.owed, by_rows.settled, by_rows.partial, by_rows.exempt, by_rows.paid) == (
                total.owed, total.settled, total.partial, total.exempt, total.paid)
            assert total.rate_people == (D(total.settled) / 6 * 100).quantize(D("0.1"))
