import datetime as dt

import pytest

from branches import services
from branches.models import Notification, RoleKind
from branches.periods import add_months
from branches.tasks import send_term_reminders
from tests.factories import make_user


@pytest.mark.django_db
def test_term_reminders_sent_once_per_threshold(tree):
    secretary = make_user(tree["branch_a"], RoleKind.SECRETARY)
    staff = make_user(tree["committee"], RoleKind.STAFF)
    day = dt.date(2026, 11, 22)
    term = services.term_record(actor=None, unit=tree["branch_a"], started_on=add_months(day, -31))  # ends in 5 months
    assert services.send_term_reminders_on(day) == 1
    assert services.send_term_reminders_on(day) == 0
    assert services.send_term_reminders_on(day + dt.timedelta(days=1)) == 0
    assert Notification.objects.get(user=secretary).key == f"term:{term.pk}:6"
    assert services.send_term_reminders_on(add_months(term.ends_on, -3)) == 1
    assert services.send_term_reminders_on(term.ends_on + dt.timedelta(days=1)) == 1
    assert Notification.objects.filter(user=secretary).count() == 3
    assert not Notification.objects.filter(user=staff).exists()


@pytest.mark.django_db
def test_committee_terms_go_to_staff(tree):
    staff = make_user(tree["committee"], RoleKind.STAFF)
    services.term_record(actor=None, unit=tree["committee"], started_on=dt.date(2020, 1, 1))
    send_term_reminders.delay()
    assert Notification.objects.filter(user=staff, title__contains="超期").count() == 1
