"""``steps_of`` reads the same steps by id as through the people's query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import selectors
from members.models import DevelopmentStep, Person, Status
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_steps_by_id_and_by_subquery_agree(tree, monkeypatch):
    people = [make_person(tree["branch_a"], status=status) for status in (Status.APPLICANT, Status.ACTIVIST)]
    make_person(tree["branch_b"], status=Status.CANDIDATE)
    for number, person in enumerate(people):
        DevelopmentStep.objects.create(person=person, step=20 + number, done_on=dt.date(2024, 4, 1), hours=number)
    queryset = Person.objects.filter(pk__in=[p.pk for p in people])
    read = list(queryset)
    by_subquery = selectors.steps_of(queryset)
    assert by_subquery  # the people have steps
    assert selectors.steps_of(queryset, read) == by_subquery
    monkeypatch.setattr(selectors, "STEPS_BY_ID", 1)  # too many to look up by id
    assert selectors.steps_of(queryset, read) == by_subquery


def test_no_people_no_query(tree):
    with CaptureQueriesContext(connection) as queries:
        assert selectors.steps_of(Person.objects.none(), []) == {}
    assert not queries
