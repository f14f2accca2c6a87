"""A payment form submitted twice (a double click, a reload, the back button) records once: each
drawn form carries a one-time token that the receipt keeps (dues.forms.OneTimeForm,
dues.services.AlreadyRecorded)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from dues import services
from dues.models import Payment, PaymentKind, Receipt
from tests.concurrency import run_together
from tests.factories import ensure_rule_tables

from .helpers import member

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-12-05")]

DAY = dt.date(2026, 12, 5)
DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture
def person(tree):
    person = member(tree["branch_a"], base="4000")
    services.dues_generate(actor=None, month=DECEMBER)
    return person


def form_token(page: str, action: str) -> str:
    """The token of the form posting ``action`` on the member's page."""
    form = page.split(f'name="action" value="{action}"', 1)[1].split("</form>", 1)[0]
    return re.search(r'name="submit_token" value="([0-9a-f-]{36})"', form).group(1)


def test_each_drawn_form_carries_a_token_of_its_own(client_for, owner, person):
    url = reverse("dues:person", args=[person.pk])
    first, second = (client_for(owner).get(url).content.decode() for _ in range(2))
    assert form_token(first, "voluntary") != form_token(second, "voluntary")
    assert form_token(first, "pay") != form_token(first, "voluntary")
    assert re.search(r'name="submit_token" value="[0-9a-f-]{36}"', first.split('name="quarter"', 1)[1])


def test_a_voluntary_payment_submitted_twice_is_recorded_once(client_for, owner, person):
    client = client_for(owner)
    url = reverse("dues:person", args=[person.pk])
    token = form_token(client.get(url).content.decode(), "voluntary")
    data = {"action": "voluntary", "amount": "200", "paid_on": DAY.isoformat(), "method": "微信",
            "note": "自愿多交", "submit_token": token}
    first = client.post(url, data)
    receipt = Receipt.objects.get(submit_token=token)
    assert first.status_code == 302 and first["Location"] == reverse("dues:receipt", args=[receipt.pk])
    again = client.post(url, data, follow=True)
    assert again.redirect_chain[-1][0] == reverse("dues:receipt", args=[receipt.pk])
    assert "该缴费已记录，请勿重复提交" in again.content.decode()
    assert Payment.objects.filter(person=person, kind=PaymentKind.VOLUNTARY).count() == 1
    assert Receipt.objects.filter(person=person).count() == 1
    # a new form (a new token) records a second voluntary payment, as meant
    data["submit_token"] = form_token(client.get(url).content.decode(), "voluntary")
    client.post(url, data)
    assert Payment.objects.filter(person=person, kind=PaymentKind.VOLUNTARY).count() == 2


def test_a_month_paid_twice_from_one_form_says_it_is_recorded(client_for, owner, person):
    client = client_for(owner)
    url = reverse("dues:person", args=[person.pk])
    data = {"action": "pay", "months": ["2026-12"], "paid_on": DAY.isoformat(), "method": "现金",
            "submit_token": form_token(client.get(url).content.decode(), "pay")}
    client.post(url, data)
    again = client.post(url, data, follow=True)
    assert "该缴费已记录，请勿重复提交" in again.content.decode()
    assert Payment.objects.filter(person=person, voided_at__isnull=True).count() == 1


def test_a_prepayment_submitted_twice_is_recorded_once(client_for, owner, person):
    client = client_for(owner)
    url = reverse("dues:person_prepay", args=[person.pk])
    data = {"quarter": "2027Q1", "submit_token": str(uuid.uuid4())}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert "该缴费已记录，请勿重复提交" in again.content.decode()
    assert Payment.objects.filter(person=person, month__year=2027).count() == 3
    assert Receipt.objects.filter(person=person).count() == 1


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_a_form_without_its_token_records_nothing_and_says_to_refresh(client_for, owner, person, token):
    client = client_for(owner)
    url = reverse("dues:person", args=[person.pk])
    response = client.post(url, {"action": "voluntary", "amount": "200", "paid_on": DAY.isoformat(),
                                 "method": "微信", "submit_token": token})
    page = response.content.decode()
    assert response.status_code == 200 and "页面已过期，请刷新页面后重新填写" in page
    assert not Payment.objects.filter(person=person).exists()
    uuid.UUID(form_token(page, "voluntary"))  # drawn again with a token that works
    prepay = client.post(reverse("dues:person_prepay", args=[person.pk]), {"quarter": "2027Q1",
                                                                          "submit_token": token}, follow=True)
    assert "页面已过期" in prepay.content.decode() and not Payment.objects.filter(person=person).exists()


def test_the_service_refuses_a_token_it_has_seen(person):
    token = uuid.uuid4()
    first = services.payment_voluntary(actor=None, person=person, amount=Decimal("50"), paid_on=DAY,
                                       submit_token=token)
    with pytest.raises(services.AlreadyRecorded) as refused:
        services.payment_voluntary(actor=None, person=person, amount=Decimal("50"), paid_on=DAY, submit_token=token)
    assert refused.value.receipt == first.receipt
    assert refused.value.messages == ["该缴费已记录，请勿重复提交。"]
    # services called without a token (imports, the CLI, the month sheet) work as before
    services.payment_voluntary(actor=None, person=person, amount=Decimal("50"), paid_on=DAY)
    services.payment_voluntary(actor=None, person=person, amount=Decimal("50"), paid_on=DAY)
    assert Payment.objects.filter(person=person).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_form_at_once_record_once(tree):
    ensure_rule_tables()  # a transactional test may follow one that emptied the database
    person = member(tree["branch_a"], base="4000")
    token = uuid.uuid4()

    def submit() -> object:
        return services.payment_voluntary(actor=None, person=person, amount=Decimal("50"), paid_on=DAY,
                                          submit_token=token)

    sessions = run_together([submit, submit])
    assert Payment.objects.filter(person=person).count() == 1
    assert sorted(type(s.error).__name__ for s in sessions) == ["AlreadyRecorded", "NoneType"]
