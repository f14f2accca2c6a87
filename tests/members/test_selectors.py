"""Reads of people; ``steps_of`` (members.facts) reads the same steps by id as through the people's query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import facts, selectors
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
    by_subquery = facts.steps_of(queryset)
    assert by_subquery  # the people have steps
    assert facts.steps_of(queryset, read) == by_subquery
    monkeypatch.setattr(facts, "STEPS_BY_ID", 1)  # too many to look up by id
    assert facts.steps_of(queryset, read) == by_subquery


def test_no_people_no_query(tree):
    with CaptureQueriesContext(connection) as queries:
        assert facts.steps_of(Person.objects.none(), []) == {}
    assert not queries


def test_a_roster_filtered_by_a_unit_keeps_to_the_users_scope(tree, owner, outsider, staff):
    in_a = make_person(tree["branch_a"])
    in_group = make_person(tree["branch_a"], group=tree["group_a"])
    in_b = make_person(tree["branch_b"])

    def names(user, unit):
        return {p.pk for p in selectors.person_list(user=user, unit=unit)}

    assert names(owner, tree["branch_a"]) == {in_a.pk, in_group.pk}
    assert names(owner, tree["group_a"]) == {in_group.pk}
    assert names(staff, tree["committee"]) == {in_a.pk, in_group.pk, in_b.pk}
    assert names(outsider, tree["branch_a"]) == set()  # a unit outside the scope shows no one
    assert names(owner, tree["branch_b"]) == set()


def test_a_unit_the_user_sees_needs_no_second_scope_test(tree, owner):
    """The unit implies the scope: PostgreSQL plans one semi-join, not two (2.4 ms of a branch's
    3.2 ms roster query at committee scale)."""
    sql = str(selectors.person_list(user=owner, unit=tree["branch_a"]).query)
    assert sql.count("EXISTS") == 1
    sql = str(selectors.person_list(user=owner, unit=None).query)
    assert sql.count("EXISTS") == 1


@pytest.mark.clock("2028-02-29")
def test_the_pipeline_sorts_on_a_leap_day(tree, staff):
    """People with no next step sort last, after a date far ahead: not 29 February of year 9999."""
    applicant = make_person(tree["branch_a"], status=Status.APPLICANT, applied_on=dt.date(2028, 1, 10))
    done = make_person(tree["branch_a"], status=Status.CANDIDATE)
    rows = selectors.pipeline_rows(user=staff)
    assert {row.person.pk for row in rows} == {applicant.pk, done.pk}
