"""branches.facts: units, terms and officers of a subtree as of a date."""

import datetime as dt

import pytest

from branches import facts as org
from branches import services
from branches.facts import Window
from branches.models import OfficerRole, UnitKind
from branches.periods import Period
from branches.selectors import has_committee
from tests.factories import make_person, make_unit

pytestmark = pytest.mark.django_db


def test_window_of_a_running_period_ends_today():
    assert Window.of(Period.parse("2026H1"), dt.date(2026, 11, 20)) == Window(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    running = Window.of(Period.parse("2026"), dt.date(2026, 11, 20))
    assert (running.end, running.running) == (dt.date(2026, 11, 20), True)


def test_units_existing_on_a_date(tree):
    late = make_unit(UnitKind.BRANCH, tree["committee"], founded_on=dt.date(2026, 7, 1))
    gone = make_unit(UnitKind.BRANCH, tree["committee"])
    gone.archived_on = dt.date(2026, 3, 1)
    gone.save()
    on = dt.date(2026, 5, 1)
    assert list(org.units_on(tree["committee"], on, UnitKind.BRANCH)) == [tree["branch_a"], tree["branch_b"]]
    assert org.unit_counts([tree["committee"]], on) == {"committee": 1, "general": 0, "branch": 2, "group": 1}
    assert org.unit_counts([tree["committee"]], dt.date(2026, 2, 1))["branch"] == 3
    assert org.units_on(tree["committee"], dt.date(2026, 7, 1), UnitKind.BRANCH).filter(pk=late.pk).exists()
    assert org.groups_by_branch([tree["branch_a"], tree["branch_b"]], on) == {tree["branch_a"].pk: 1}


def test_terms_overdue_is_what_term_status_calls_overdue(tree):
    a, b = tree["branch_a"], tree["branch_b"]
    services.term_record(actor=None, unit=a, started_on=dt.date(2020, 1, 1))  # ended 2023-01-01
    services.term_record(actor=None, unit=b, started_on=dt.date(2020, 1, 1))
    services.term_record(actor=None, unit=b, started_on=dt.date(2023, 3, 1))  # re-elected
    on = dt.date(2024, 1, 1)
    overdue = org.terms_overdue(tree["committee"], on)
    assert [term.unit for term in overdue] == [a]
    statuses = org.term_statuses([a, b], on)
    assert (statuses[a.pk].code, statuses[b.pk].code) == ("overdue", "ok")
    # as of a day before b's re-election, both were overdue
    assert {term.unit for term in org.terms_overdue(tree["committee"], dt.date(2023, 2, 1))} == {a, b}
    window = Window(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert [term.unit for term in org.terms_elected(tree["committee"], window)] == [b]


def test_an_officer_leaves_on_the_day_the_successor_starts(tree):
    branch = tree["branch_a"]
    first, second = make_person(branch), make_person(branch)
    services.officer_appoint(actor=None, unit=branch, person=first, role=OfficerRole.SECRETARY, started_on=dt.date(2024, 1, 1))
    services.officer_appoint(actor=None, unit=branch, person=second, role=OfficerRole.SECRETARY,
                             started_on=dt.date(2025, 6, 1))
    on_the_day = org.officers_in_office([branch], dt.date(2025, 6, 1))[branch.pk]
    assert [officer.person for officer in on_the_day] == [second]
    assert [o.person for o in org.officers_in_office([branch], dt.date(2025, 5, 31))[branch.pk]] == [first]
    changes = org.officer_changes(tree["committee"], Window(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
    assert changes.count() == 2  # one left, one started


def test_a_committee_is_counted_among_the_officers_in_office_that_day(tree):
    branch = tree["branch_a"]
    people = [make_person(branch) for _ in range(3)]
    for person, role in zip(people, [OfficerRole.SECRETARY, OfficerRole.ORGANISATION, OfficerRole.PUBLICITY], strict=True):
        services.officer_appoint(actor=None, unit=branch, person=person, role=role, started_on=dt.date(2024, 1, 1))
    officer = branch.officers.get(role=OfficerRole.PUBLICITY)
    services.officer_end(actor=None, officer=officer, ended_on=dt.date(2025, 1, 1))
    officers = list(branch.officers.all())
    assert has_committee(officers, dt.date(2024, 12, 31))
    assert not has_committee(officers, dt.date(2025, 1, 1))
    assert not has_committee(officers)  # today
