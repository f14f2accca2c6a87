"""Two people recording dues at the same moment, on PostgreSQL with real concurrent connections:
exactly one live payment per member and month, the other person gets a clear message (never a
500), receipt numbers stay unique, and the ledger never counts a payment twice."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from branches.models import RoleKind
from branches.periods import Period
from dues import services
from dues.facts import figures_for
from dues.models import Payment, Receipt
from tests.concurrency import Session, run_together, wait_for_lock_wait
from tests.factories import ensure_rule_tables, make_user

from .helpers import member

# Mid-year: the member's page lists the months of the year it shows (this year unless asked), so in
# January last month would not be on its form.
DAY = "2026-06-15"
pytestmark = pytest.mark.clock(DAY)
LAST = Period.month_of(dt.date.fromisoformat(DAY)).previous()


@pytest.fixture
def ledger(tree):
    ensure_rule_tables()  # a transactional test may follow one that emptied the database
    people = [member(tree["branch_a"], base="4000") for _ in range(4)]
    services.dues_generate(actor=None, month=LAST.start)
    return people


def record(person, actor=None):
    return lambda: services.payments_record(actor=actor, person=person, months=[LAST.start], paid_on=LAST.end)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_second_person_waits_then_is_told_the_month_is_paid(tree, ledger, owner):
    """Interleaved on purpose: the second person records while the first one's transaction is still
    open, so neither sees the other's payment when it checks."""
    person = ledger[0]
    deputy = make_user(tree["branch_a"], RoleKind.SECRETARY, username="deputy")
    recorded, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            outcome = record(person, owner)()
            recorded.set()
            release.wait(10)  # still uncommitted while the second person records
        return outcome

    one = Session(first)
    one.start()
    assert recorded.wait(10)
    two = Session(record(person, deputy))
    two.start()
    wait_for_lock_wait()  # the second insert waits on the first's uncommitted rows
    release.set()
    one.finish(), two.finish()

    assert one.error is None
    assert isinstance(two.error, ValidationError), repr(two.error)
    assert two.error.messages == [f"{person.name}{LAST.start:%Y年%m月}的党费已登记缴纳，不能重复登记。"]
    live = Payment.objects.filter(person=person, month=LAST.start, voided_at__isnull=True)
    assert live.count() == 1 and live.get().recorded_by == owner
    assert Receipt.objects.count() == 1  # the refused payment's receipt went with its transaction


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_people_record_the_same_month_at_once(tree, ledger):
    person = ledger[0]
    due = services.expected_amount(person, LAST.start)
    sessions = run_together([record(person) for _ in range(4)])

    succeeded = [s for s in sessions if s.error is None]
    refused = [s for s in sessions if s.error is not None]
    assert len(succeeded) == 1
    assert all(isinstance(s.error, ValidationError) and "不能重复登记" in s.error.messages[0] for s in refused), \
        [repr(s.error) for s in refused]
    assert Payment.objects.filter(person=person, voided_at__isnull=True).count() == 1
    assert Receipt.objects.count() == 1
    figures = figures_for(tree["branch_a"], LAST)
    assert figures.paid == due and figures.settled == 1  # counted once
    assert figures.due == due * 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_different_members_at_once_all_get_their_own_receipt_number(tree, ledger):
    sessions = run_together([record(person) for person in ledger])
    assert [s.error for s in sessions] == [None] * 4
    numbers = sorted(s.result.receipt.number for s in sessions)
    prefix = f"{tree['branch_a'].code}-{LAST.end.year}-"
    assert numbers == [f"{prefix}{n:05d}" for n in range(1, 5)]
    figures = figures_for(tree["branch_a"], LAST)
    assert figures.paid == figures.due and figures.settled == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_top_up_the_same_partial_month_at_once(tree, ledger):
    """补足: the month's next instalment is unique among its live payments, so of two top-ups at
    once one is recorded and the other is told, and the month is never paid beyond its due."""
    person = ledger[0]
    due = services.expected_amount(person, LAST.start)
    services.payments_record(actor=None, person=person, months=[LAST.start], paid_on=LAST.end,
                             amounts={LAST.start: due - 10})
    top_up = lambda: services.payment_top_up(actor=None, person=person, month=LAST.start,  # noqa: E731
                                             paid_on=LAST.end)
    sessions = run_together([top_up, top_up])
    refused = [s for s in sessions if s.error is not None]
    assert len(refused) == 1 and isinstance(refused[0].error, ValidationError), [repr(s.error) for s in sessions]
    live = Payment.objects.filter(person=person, voided_at__isnull=True)
    assert sorted(p.instalment for p in live) == [1, 2] and sum(p.amount for p in live) == due
    assert Receipt.objects.count() == 2
    assert figures_for(tree["branch_a"], LAST).settled == 1


# --- the page: someone else recorded the month since the form was opened ----------------------------


@pytest.mark.django_db
def test_person_page_says_the_month_was_recorded_meanwhile(tree, ledger, owner, client_for):
    person = ledger[0]
    client = client_for(owner)
    page = reverse("dues:person", args=[person.pk])
    assert f'value="{LAST}"' in client.get(page).content.decode()  # the month is on the form
    deputy = make_user(tree["branch_a"], RoleKind.SECRETARY, username="deputy")
    record(person, deputy)()  # the deputy records it first

    response = client.post(page, {"action": "pay", "months": [str(LAST)], "paid_on": LAST.end.isoformat(),
                                  "method": "现金", "note": "第二次登记", "submit_token": str(uuid.uuid4())})
    assert response.status_code == 200
    assert f"{LAST}的党费已登记缴纳或无需缴纳（可能已由他人登记），请刷新页面后核对。" in response.content.decode()
    assert Payment.objects.filter(person=person).count() == 1


@pytest.mark.django_db
def test_month_sheet_refuses_a_member_paid_meanwhile_with_a_message(tree, ledger, owner, client_for):
    person, other = ledger[0], ledger[1]
    record(person)()
    due = str(services.expected_amount(other, LAST.start))
    response = client_for(owner).post(reverse("dues:sheet", args=[tree["branch_a"].pk, str(LAST)]), {
        "paid": [person.pk, other.pk], f"amount_{person.pk}": due, f"amount_{other.pk}": due,
        "paid_on": LAST.end.isoformat(), "method": "现金",
    })
    assert response.status_code == 200
    assert f"{person.name}{LAST.start:%Y年%m月}的党费已登记缴纳，不能重复登记。" in response.content.decode()
    assert Payment.objects.count() == 1  # all or nothing: the other member's line was not kept either
