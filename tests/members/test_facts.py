"""members.facts: people by their status on a date, the 发展 pipeline, transfers."""

import datetime as dt

import pytest

from branches.facts import Window
from members import facts as people
from members import services
from members.models import Person, Status
from members.selectors import pipeline_rows
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_status_on_a_date_comes_from_the_persons_dates(tree):
    branch = tree["branch_a"]
    make_person(branch)  # 正式党员 since 2010
    admitted = make_person(branch, status=Status.PROBATIONARY, probationary_on=dt.date(2026, 3, 1))
    undated = make_person(branch, status=Status.PROBATIONARY)
    Person.objects.filter(pk=undated.pk).update(probationary_on=None)  # a record kept before dates were required
    make_person(branch, status=Status.APPLICANT, applied_on=dt.date(2025, 9, 1))
    before = people.member_counts([branch], on=dt.date(2026, 2, 1))[branch.pk]
    after = people.member_counts([branch], on=dt.date(2026, 4, 1))[branch.pk]
    assert (before.full, before.probationary, before.pipeline) == (1, 1, 2)  # admitted was still 发展对象
    assert (after.full, after.probationary, after.pipeline) == (1, 2, 1)
    assert set(people.members_on(branch, dt.date(2026, 4, 1), Status.PROBATIONARY)) == {admitted, undated}
    assert list(people.members_on(branch, dt.date(2026, 2, 1), Status.PROBATIONARY)) == [undated]
    party = people.party_memberships_on(branch, dt.date(2026, 2, 1))
    assert admitted.pk not in set(party.values_list("person_id", flat=True))
    # the committee counts its branches' people, a 党小组 its own
    counts = people.member_counts([tree["committee"], tree["group_a"]], on=dt.date(2026, 4, 1))
    assert counts[tree["committee"].pk].party_members == 3
    assert counts[tree["group_a"].pk].party_members == 0


def test_pipeline_counts_are_the_pipeline_people(tree, staff):
    make_person(tree["branch_a"], status=Status.APPLICANT, applied_on=dt.date(2026, 1, 5))
    make_person(tree["branch_b"], status=Status.ACTIVIST)
    make_person(tree["branch_b"])
    counts = people.pipeline_counts(tree["committee"])
    assert counts == {"applicant": 1, "activist": 1, "candidate": 0, "probationary": 0}
    assert len(people.pipeline(tree["committee"])) == sum(counts.values()) == len(pipeline_rows(user=staff))
    overdue = people.overdue_pipeline(tree["committee"])
    assert overdue and sorted(entry.person.pk for entry in overdue) == sorted(
        row.person.pk for row in pipeline_rows(user=staff) if row.progress.overdue)


def test_transfers_count_only_crossing_the_subtree(tree):
    a, b = tree["branch_a"], tree["branch_b"]
    mover, leaver = make_person(a), make_person(a)
    services.member_transfer_out(actor=None, person=mover, date=dt.date(2026, 5, 1), to_unit=b)
    services.member_transfer_out(actor=None, person=leaver, date=dt.date(2026, 5, 2), external_org="外单位")
    window = Window(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    committee = tree["committee"]
    assert (people.transfers_in(committee, window).count(), people.transfers_out(committee, window).count()) == (0, 1)
    assert (people.transfers_in(b, window).count(), people.transfers_out(a, window).count()) == (1, 2)
    assert people.first_joined([mover.pk]) == {(mover.pk, a.pk): dt.date(2015, 1, 1), (mover.pk, b.pk): dt.date(2026, 5, 1)}
