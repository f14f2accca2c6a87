"""One way to void what reports count (``branches.services.record_void``): who, when and why."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from branches.models import Voidable
from branches.services import record_void
from dues.models import Payment, Remittance
from meetings.models import Meeting, MeetingAttachment, Talk
from members.models import Recognition, RecognitionKind
from tests.factories import make_person, make_user


def test_every_voidable_record_shares_the_base():
    for model in (Recognition, Meeting, Talk, MeetingAttachment, Payment, Remittance):
        assert issubclass(model, Voidable), model


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 7, 5, 9, 30, tzinfo=dt.UTC), tick=False)
def test_a_voided_record_keeps_who_when_and_why_and_is_voided_once(tree):
    secretary = make_user(tree["branch_a"])
    person = make_person(tree["branch_a"])
    recognition = Recognition.objects.create(kind=RecognitionKind.CARE, unit=tree["branch_a"], person=person,
                                             date=dt.date(2026, 7, 1))
    with pytest.raises(ValidationError, match="作废原因"):
        record_void(actor=secretary, record=recognition, reason="  ")
    assert not Recognition.objects.get(pk=recognition.pk).is_voided

    record_void(actor=secretary, record=recognition, reason="重复登记")
    saved = Recognition.objects.get(pk=recognition.pk)
    assert saved.is_voided and saved.void_reason == "重复登记" and saved.voided_by == secretary
    assert saved.voided_at == dt.datetime(2026, 7, 5, 9, 30, tzinfo=dt.UTC)
    assert saved.history.first().history_user == secretary
    with pytest.raises(ValidationError, match="已作废"):
        record_void(actor=secretary, record=saved, reason="再次")
