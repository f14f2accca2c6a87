import datetime as dt

import pytest

from branches import services
from branches.models import OfficerRole, OrgUnit
from members import org_tree
from members.models import Status
from tests.factories import make_person


@pytest.mark.django_db
class TestWarnings:
    def counts(self, unit):
        return org_tree.member_counts([unit])[unit.pk]

    def test_small_branch_warned(self, tree):
        a = tree["branch_a"]
        make_person(a)
        make_person(a, status=Status.PROBATIONARY)
        warnings = org_tree.unit_warnings(a, self.counts(a), [])
        assert any("不足3人" in w for w in warnings)
        assert any("书记" in w for w in warnings)

    def test_seven_full_members_need_a_committee(self, tree):
        a = tree["branch_a"]
        people = [make_person(a) for _ in range(7)]
        secretary = services.officer_appoint(actor=None, unit=a, person=people[0], role=OfficerRole.SECRETARY,
                                             started_on=dt.date(2025, 1, 1))
        assert any("支部委员会" in w for w in org_tree.unit_warnings(a, self.counts(a), [secretary]))
        officers = [secretary] + [
            services.officer_appoint(actor=None, unit=a, person=p, role=r, started_on=dt.date(2025, 1, 1))
            for p, r in zip(people[1:3], [OfficerRole.ORGANISATION, OfficerRole.PUBLICITY], strict=True)
        ]
        assert not org_tree.unit_warnings(a, self.counts(a), officers)

    def test_more_than_fifty(self, tree):
        a = tree["branch_a"]
        counts = org_tree.UnitCounts(full=48, probationary=3)
        assert any("超过50人" in w for w in org_tree.unit_warnings(a, counts, []))

    def test_counts_roll_up_the_tree(self, tree):
        make_person(tree["branch_a"], group=tree["group_a"])
        make_person(tree["branch_a"], status=Status.ACTIVIST)
        make_person(tree["branch_b"], status=Status.PROBATIONARY)
        counts = org_tree.member_counts(list(OrgUnit.objects.all()))
        assert (counts[tree["committee"].pk].full, counts[tree["committee"].pk].probationary) == (1, 1)
        assert counts[tree["committee"].pk].pipeline == 1
        assert counts[tree["group_a"].pk].full == 1
        assert counts[tree["branch_b"].pk].full == 0
