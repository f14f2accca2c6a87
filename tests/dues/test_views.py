"""Every dues/points page: owner works, committee staff read (and may not change a branch's
ledger), outsider 404, read-only 403 on changes, wrong method 405; query counts stay constant."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import today
from branches.periods import Period
from dues import points, services
from dues.models import ArrearsCase, DuesBase, Payment, PointsItem, PointsObjection, PointsSheet, Remittance

from .helpers import m, member

pytestmark = pytest.mark.django_db
D = Decimal
THIS = Period.month_of(today())
LAST = THIS.previous()


@pytest.fixture
def ledger(tree):
    a = member(tree["branch_a"], base="4000")
    b = member(tree["branch_a"], base="3000")
    member(tree["branch_b"], base="5000")
    for month in (LAST, THIS):
        services.dues_generate(actor=None, month=month.start)
    outcome = services.payments_record(actor=None, person=a, months=[LAST.start],
                                       paid_on=LAST.end)
    remittance = services.remittance_record(actor=None, unit=tree["branch_a"], period=LAST, amount=D("40"),
                                            remitted_on=today())
    case = ArrearsCase.objects.create(person=b, unit=tree["branch_a"], first_month=m("2025-01"), months=6,
                                      opened_on=today())
    sheet = points.points_sheet_open(actor=None, unit=tree["branch_a"], month=LAST.start)
    points.points_sheet_review(actor=None, sheet=sheet)
    published = points.points_sheet_publish(actor=None, sheet=sheet, on=today())
    objection = points.points_objection_record(actor=None, sheet=published, person=a, text="漏记", raised_on=today())
    return {"a": a, "b": b, "payment": outcome.payments[0], "receipt": outcome.receipt, "remittance": remittance,
            "case": case, "sheet": sheet, "objection": objection, "unit": tree["branch_a"]}


def get_views(ledger):
    unit, a = ledger["unit"].pk, ledger["a"].pk
    return [
        reverse("dues:unit", args=[unit]),
        reverse("dues:sheet", args=[unit, str(THIS)]),
        reverse("dues:bases", args=[unit, THIS.year]),
        reverse("dues:arrears", args=[unit]),
        reverse("dues:remittances", args=[unit]),
        reverse("dues:person", args=[a]),
        reverse("dues:receipt", args=[ledger["receipt"].pk]),
        reverse("dues:points_year", args=[unit]),
        reverse("dues:points", args=[unit, str(LAST)]),
        reverse("dues:points_public", args=[unit, str(LAST)]),
    ]


def post_views(ledger):
    """(url, data, check) — check(ledger) proves the change happened."""
    unit, a, b = ledger["unit"].pk, ledger["a"], ledger["b"]
    return [
        (reverse("dues:sheet", args=[unit, str(THIS)]),
         {"paid_on": today().isoformat(), "method": "现金", "paid": [b.pk], f"amount_{b.pk}": "15.00"},
         lambda: Payment.objects.filter(person=b, month=THIS.start).exists()),
        (reverse("dues:generate", args=[unit, str(THIS)]), {},
         lambda: True),
        (reverse("dues:bases", args=[unit, THIS.year]),
         {f"category_{b.pk}": "在职", f"base_{b.pk}": "5100"},
         lambda: DuesBase.objects.filter(person=b, base=D("5100")).exists()),
        (reverse("dues:arrears_open_cases", args=[unit]), {}, lambda: True),
        (reverse("dues:case_handle", args=[ledger["case"].pk]), {"state": "reason", "handling": "病休，已谈话"},
         lambda: ArrearsCase.objects.get(pk=ledger["case"].pk).state == "reason"),
        (reverse("dues:remittances", args=[unit]),
         {"period": str(THIS), "amount": "10", "remitted_on": today().isoformat()},
         lambda: Remittance.objects.count() == 2),
        (reverse("dues:remittance_void", args=[ledger["remittance"].pk]), {"reason": "重复"},
         lambda: Remittance.objects.get(pk=ledger["remittance"].pk).voided_at is not None),
        (reverse("dues:person", args=[a.pk]),
         {"action": "pay", "months": [str(THIS)], "paid_on": today().isoformat(), "method": "现金",
          "submit_token": str(uuid.uuid4())},
         lambda: Payment.objects.filter(person=a, month=THIS.start).exists()),
        (reverse("dues:person_prepay", args=[a.pk]), {"quarter": str(Period.containing(today(), "quarter").next()),
                                                      "submit_token": str(uuid.uuid4())},
         lambda: Payment.objects.filter(person=a, month__gt=THIS.end).count() == 3),
        (reverse("dues:payment_void", args=[ledger["payment"].pk]), {"reason": "登记错误"},
         lambda: Payment.objects.get(pk=ledger["payment"].pk).voided_at is not None),
        (reverse("dues:points", args=[unit, str(THIS)]), {"action": "compute"},
         lambda: PointsSheet.objects.filter(unit_id=unit, month=THIS.start).exists()),
        (reverse("dues:points_public", args=[unit, str(LAST)]),
         {"action": "answer", "objection": ledger["objection"].pk, "answer": "已核实"},
         lambda: PointsObjection.objects.get(pk=ledger["objection"].pk).answered_on is not None),
    ]


@pytest.mark.parametrize("index", range(10))
def test_get_views_access(ledger, client_for, owner, staff, outsider, viewer, index):
    url = get_views(ledger)[index]
    for user, status in ((owner, 200), (staff, 200), (viewer, 200), (outsider, 404)):
        response = client_for(user).get(url)
        assert response.status_code == status, (url, user.username, response.status_code)
    assert client_for(owner).delete(url).status_code == 405


@pytest.mark.parametrize("index", range(12))
def test_post_views_access(ledger, client_for, owner, staff, outsider, viewer, index):
    url, data, check = post_views(ledger)[index]
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(viewer).post(url, data).status_code == 403
    assert client_for(staff).post(url, data).status_code == 403
    response = client_for(owner).post(url, data)
    assert response.status_code == 302, (url, response.status_code)
    assert check(), url
    assert client_for(owner).put(url).status_code == 405


def test_post_only_views_refuse_get(ledger, client_for, owner):
    unit = ledger["unit"].pk
    for url in (reverse("dues:generate", args=[unit, str(THIS)]), reverse("dues:arrears_open_cases", args=[unit]),
                reverse("dues:payment_void", args=[ledger["payment"].pk]),
                reverse("dues:person_prepay", args=[ledger["a"].pk])):
        assert client_for(owner).get(url).status_code == 405


def test_anonymous_is_sent_to_login(ledger, client):
    response = client.get(reverse("dues:unit", args=[ledger["unit"].pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_committee_overview_and_index(ledger, client_for, staff, owner, tree):
    response = client_for(staff).get(reverse("dues:unit", args=[tree["committee"].pk]))
    assert response.status_code == 200 and "党费收缴总览" in response.content.decode()
    assert client_for(owner).get(reverse("dues:unit", args=[tree["committee"].pk])).status_code == 404
    assert client_for(owner).get(reverse("dues:index"))["Location"] == reverse("dues:unit", args=[ledger["unit"].pk])


def test_branch_page_shows_the_same_figures_as_the_ledger(ledger, client_for, owner):
    from dues.facts import figures_for

    figures = figures_for(ledger["unit"], Period(THIS.year, "year"))
    html = client_for(owner).get(reverse("dues:unit", args=[ledger["unit"].pk])).content.decode()
    for value in (figures.due, figures.paid, figures.outstanding):
        assert f">{value}<" in html


def test_month_sheet_prefills_amounts_and_records(ledger, client_for, owner):
    url = reverse("dues:sheet", args=[ledger["unit"].pk, str(THIS)])
    html = client_for(owner).get(url).content.decode()
    assert f'name="amount_{ledger["a"].pk}" value="40.00"' in html
    assert f'name="amount_{ledger["b"].pk}" value="15.00"' in html
    response = client_for(owner).post(url, {"paid_on": today().isoformat(), "method": "微信",
                                            "paid": [ledger["a"].pk, ledger["b"].pk],
                                            f"amount_{ledger['a'].pk}": "40.00", f"amount_{ledger['b'].pk}": "99"})
    assert response.status_code == 200  # refused: more than due, nothing recorded
    assert not Payment.objects.filter(month=THIS.start).exists()


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "-1", "1e30", "１２", "abc", ""])
def test_month_sheet_refuses_an_amount_that_is_no_money_without_a_server_error(ledger, client_for, owner, amount):
    url = reverse("dues:sheet", args=[ledger["unit"].pk, str(THIS)])
    response = client_for(owner).post(url, {"paid_on": today().isoformat(), "method": "微信",
                                            "paid": [ledger["a"].pk], f"amount_{ledger['a'].pk}": amount}, follow=True)
    assert response.status_code == 200
    if amount != "１２":  # full-width digits are digits: 12.00 ≤ 40.00 due, so it is recorded
        assert not Payment.objects.filter(month=THIS.start).exists()
        assert "金额" in response.content.decode()


def test_services_refuse_money_no_branch_handles(ledger, tree):
    with pytest.raises(ValidationError, match="超过单笔上限"):
        services.remittance_record(actor=None, unit=tree["branch_a"], period=LAST, amount=D("2147483648.00"),
                                   remitted_on=today())
    with pytest.raises(ValidationError, match="应为数字"):
        services.payment_voluntary(actor=None, person=ledger["a"], amount=D("NaN"), paid_on=today())
    with pytest.raises(ValidationError, match="超过单笔上限"):
        services.payment_voluntary(actor=None, person=ledger["a"], amount=D("1000000.01"), paid_on=today())


def test_base_review_is_all_or_nothing(ledger, client_for, owner):
    a, b = ledger["a"], ledger["b"]
    url = reverse("dues:bases", args=[ledger["unit"].pk, THIS.year])
    response = client_for(owner).post(url, {f"category_{a.pk}": "在职", f"base_{a.pk}": "6000",
                                            f"category_{b.pk}": "在职", f"base_{b.pk}": ""})
    assert response.status_code == 200 and "未保存任何修改" in response.content.decode()
    assert not DuesBase.objects.filter(person=a, base=D("6000")).exists()


def test_points_manual_entry_and_workflow_through_views(ledger, client_for, owner):
    unit, a = ledger["unit"], ledger["a"]
    url = reverse("dues:points", args=[unit.pk, str(THIS)])
    client = client_for(owner)
    client.post(url, {"action": "open"})
    item = PointsItem.objects.get(code="volunteer")
    client.post(url, {"action": "add", "person": a.pk, "item": item.pk, "count": 1, "note": "社区服务"})
    sheet = PointsSheet.objects.get(unit=unit, month=THIS.start)
    assert sheet.entries.get().points == 2
    refused = client.post(url, {"action": "review"}, follow=True).content.decode()  # the month is not over
    sheet.refresh_from_db()
    assert sheet.state == "self" and "尚未结束" in refused and "提前评定" in refused
    client.post(url, {"action": "review", "early": "1", "early_reason": "月底前要报送支部考核"})
    client.post(url, {"action": "publish"})  # the reason given when it was scored stands
    sheet.refresh_from_db()
    assert sheet.state == "public" and sheet.early_reason == "月底前要报送支部考核"
    assert "提前评定/公示，原因：月底前要报送支部考核" in client.get(
        reverse("dues:points_public", args=[unit.pk, str(THIS)])).content.decode()
    response = client.post(url, {"action": "add", "person": a.pk, "item": item.pk, "count": 1, "note": "x"}, follow=True)
    assert "不能修改" in response.content.decode() and sheet.entries.count() == 1


def test_refused_points_actions_leave_no_sheet_behind(ledger, client_for, owner):
    """The first action of a month opens its sheet; an unknown or refused action must not."""
    unit, a = ledger["unit"], ledger["a"]
    url = reverse("dues:points", args=[unit.pk, str(THIS)])
    client = client_for(owner)
    assert client.post(url, {"action": "nonsense"}).status_code == 404
    response = client.post(url, {"action": "add", "person": a.pk, "item": "", "count": 1, "note": ""}, follow=True)
    assert "项目" in response.content.decode()
    assert not PointsSheet.objects.filter(unit=unit, month=THIS.start).exists()


@pytest.mark.parametrize("value", ["", "abc", "²", "7\x00"])
def test_points_ids_that_are_not_ids_are_404(ledger, client_for, owner, value):
    unit = ledger["unit"]
    client = client_for(owner)
    remove = client.post(reverse("dues:points", args=[unit.pk, str(THIS)]), {"action": "remove", "entry": value})
    answer = client.post(reverse("dues:points_public", args=[unit.pk, str(LAST)]),
                         {"action": "answer", "objection": value, "answer": "已核实"})
    assert (remove.status_code, answer.status_code) == (404, 404)
    assert not PointsSheet.objects.filter(unit=unit, month=THIS.start).exists()


@pytest.mark.parametrize("year", ["99999", "0", "²", "2026\x00"])
def test_person_dues_page_ignores_a_year_out_of_range(ledger, client_for, owner, year):
    response = client_for(owner).get(reverse("dues:person", args=[ledger["a"].pk]), {"year": year})
    assert response.status_code == 200


def test_rankings_hidden_from_other_branches(ledger, client_for, outsider):
    assert client_for(outsider).get(reverse("dues:points_year", args=[ledger["unit"].pk])).status_code == 404
    assert client_for(outsider).get(reverse("dues:points_public", args=[ledger["unit"].pk, str(LAST)])).status_code == 404


@pytest.mark.parametrize("name", ["sheet", "bases", "unit", "arrears", "points"])
def test_query_count_constant_with_more_members(tree, client_for, owner, name):
    unit = tree["branch_a"]

    def url():
        return {
            "sheet": reverse("dues:sheet", args=[unit.pk, str(LAST)]),
            "bases": reverse("dues:bases", args=[unit.pk, LAST.year]),
            "unit": reverse("dues:unit", args=[unit.pk]),
            "arrears": reverse("dues:arrears", args=[unit.pk]),
            "points": reverse("dues:points", args=[unit.pk, str(LAST)]),
        }[name]

    def grow(count):
        for _ in range(count):
            person = member(unit, base="4000")
            services.dues_generate(actor=None, month=LAST.start)
            services.payments_record(actor=None, person=person, months=[LAST.start], paid_on=LAST.end)
        points.points_sheet_open(actor=None, unit=unit, month=LAST.start)

    client = client_for(owner)
    grow(2)
    client.get(url())
    with CaptureQueriesContext(connection) as few:
        assert client.get(url()).status_code == 200
    grow(6)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url()).status_code == 200
    assert len(many) == len(few), (name, len(few), len(many))


def test_mid_year_base_change_regenerates_generated_months(ledger, client_for, owner, staff):
    a = ledger["a"]
    url = reverse("dues:person", args=[a.pk])
    data = {"action": "base", "effective_month": str(THIS), "category": "在职", "base": "5100"}
    assert client_for(staff).post(url, data).status_code == 403
    response = client_for(owner).post(url, data)
    assert response.status_code == 302
    from dues.models import DuesDue

    assert DuesDue.objects.get(person=a, month=THIS.start).amount == D("76.50")
    assert DuesDue.objects.get(person=a, month=LAST.start).amount == D("40.00")  # earlier month unchanged


def test_month_sheet_shows_a_payment_for_a_month_not_yet_generated(tree, client_for, owner):
    """A payment recorded before the month's amounts due were generated: no amount due to
    compare it with, and the sheet still shows it."""
    person = member(tree["branch_a"], base="4000")
    services.payments_record(actor=None, person=person, months=[THIS.start], paid_on=today())
    response = client_for(owner).get(reverse("dues:sheet", args=[tree["branch_a"].pk, str(THIS)]))
    assert response.status_code == 200
    assert person.name in response.content.decode()
