"""members.facts: people by their status on a date, the 发展 pipeline, transfers."""

import datetime as dt

import pytest

from branches.facts import Window
from branches.models import today
from branches.periods import Period
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
    now = Window(today(), today())
    assert len(people.development(tree["committee"], now)) == sum(counts.values()) == len(pipeline_rows(user=staff))
    overdue = people.overdue_pipeline(tree["committee"], now)
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


def _names(entries):
    return sorted(entry.person.name for entry in entries)


@pytest.mark.clock("2026-12-05")
def test_development_of_a_past_period_is_judged_on_its_last_day(tree):
    """发展环节超期 of 2026H1 is what stood on 30 June: steps recorded by then, time limits passed
    by then. Recording a step later does not change H1; it shows as done late in its own period."""
    branch = tree["branch_a"]
    late = make_person(branch, status=Status.APPLICANT, applied_on=dt.date(2026, 5, 10), name="晚谈")  # talk by 10 June
    fresh = make_person(branch, status=Status.APPLICANT, applied_on=dt.date(2026, 6, 20), name="新申")  # by 20 July
    make_person(branch, status=Status.PROBATIONARY, probationary_on=dt.date(2026, 1, 10), name="预备")  # loaded
    h1, q3 = Window.of(Period.parse("2026H1")), Window.of(Period.parse("2026Q3"))
    assert _names(people.overdue_pipeline(branch, h1)) == ["晚谈"]
    services.development_step_record(actor=None, person=late, step=2, done_on=dt.date(2026, 8, 1))
    assert _names(people.overdue_pipeline(branch, h1)) == ["晚谈"]  # the H1 figure stays
    assert _names(people.late_pipeline(branch, h1)) == []
    assert _names(people.late_pipeline(branch, q3)) == ["晚谈"]
    assert _names(people.overdue_pipeline(branch, q3)) == ["新申"]
    assert _names(people.overdue_pipeline(branch, Window.of(Period.parse("2026")))) == ["新申"]  # today
    assert fresh.pk in {e.person.pk for e in people.development(branch, h1)}


@pytest.mark.clock("2026-12-05")
def test_status_implies_steps_but_not_before_they_were_recorded(tree):
    """A 预备党员 loaded with their dates is not flagged for the approval (17) their status shows
    done; one whose approval is on record is judged on the days before it as still waiting."""
    branch = tree["branch_a"]
    make_person(branch, status=Status.PROBATIONARY, probationary_on=dt.date(2026, 2, 1), name="导入")
    voted = make_person(branch, status=Status.CANDIDATE, name="表决")
    services.development_step_record(actor=None, person=voted, step=15, done_on=dt.date(2026, 3, 1))
    services.development_step_record(actor=None, person=voted, step=17, done_on=dt.date(2026, 7, 15))  # due 1 June
    voted.refresh_from_db()
    assert (voted.status, voted.probationary_on) == (Status.PROBATIONARY, dt.date(2026, 3, 1))
    now = Window.of(Period.parse("2026Q4"))
    assert _names(people.overdue_pipeline(branch, now)) == []
    assert _names(people.overdue_pipeline(branch, Window.of(Period.parse("2026H1")))) == ["表决"]
    assert _names(people.late_pipeline(branch, Window.of(Period.parse("2026Q3")))) == ["表决"]
    progress = people.progress_of(voted)
    assert progress.next_step == 18 and not progress.overdue


@pytest.mark.clock("2026-12-05")
def test_development_counts_people_where_they_belonged_that_day(tree):
    a, b = tree["branch_a"], tree["branch_b"]
    mover = make_person(a, status=Status.APPLICANT, applied_on=dt.date(2026, 3, 1))  # talk overdue since 1 April
    services.member_transfer_out(actor=None, person=mover, date=dt.date(2026, 9, 1), to_unit=b)
    h1, q4 = Window.of(Period.parse("2026H1")), Window.of(Period.parse("2026Q4"))
    assert list(people.development_by_unit(tree["committee"], h1)) == [a.pk]
    assert list(people.development_by_unit(tree["committee"], q4)) == [b.pk]
    assert people.overdue_pipeline(a, h1) and not people.overdue_pipeline(a, q4)
