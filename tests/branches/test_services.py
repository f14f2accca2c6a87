import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from branches import selectors, services
from branches.models import Notification, OfficerRole, OrgUnit, UnitKind, today
from branches.periods import add_months
from members.models import Status
from tests.factories import make_person, make_unit, make_user


@pytest.mark.django_db
class TestTree:
    def test_paths_follow_parents(self, tree):
        committee, a, group = tree["committee"], tree["branch_a"], tree["group_a"]
        assert a.path == f"{committee.path}{a.pk}/"
        assert group.path == f"{a.path}{group.pk}/"
        assert group.depth == 2

    def test_move_rewrites_subtree(self, tree):
        committee, a, group = tree["committee"], tree["branch_a"], tree["group_a"]
        general = make_unit(UnitKind.GENERAL_BRANCH, committee)
        services.org_unit_update(actor=None, unit=a, parent=general)
        group.refresh_from_db()
        assert group.path == f"{general.path}{a.pk}/{group.pk}/"
        assert OrgUnit.objects.subtree(general).count() == 3

    @pytest.mark.parametrize(
        ("kind", "parent_kind", "message"),
        [
            (UnitKind.GROUP, UnitKind.COMMITTEE, "不能设在"),
            (UnitKind.BRANCH, None, "必须有上级"),
            (UnitKind.GENERAL_BRANCH, UnitKind.BRANCH, "不能设在"),
        ],
    )
    def test_kind_must_fit_parent(self, tree, kind, parent_kind, message):
        parent = {UnitKind.COMMITTEE: tree["committee"], UnitKind.BRANCH: tree["branch_a"], None: None}[parent_kind]
        with pytest.raises(ValidationError, match=message):
            services.org_unit_create(actor=None, code="X1", name="X", kind=kind, parent=parent)
        assert not OrgUnit.objects.filter(code="X1").exists()

    def test_cannot_move_under_own_descendant(self, tree):
        committee, a = tree["committee"], tree["branch_a"]
        with pytest.raises(ValidationError):
            services.org_unit_update(actor=None, unit=committee, parent=a)

    def test_codes_are_unique(self, tree):
        with pytest.raises(ValidationError):
            services.org_unit_create(actor=None, code=tree["branch_a"].code, name="重复", kind=UnitKind.BRANCH,
                                     parent=tree["committee"])

    def test_archive_needs_reason_and_no_members(self, tree):
        b = tree["branch_b"]
        make_person(b)
        with pytest.raises(ValidationError, match="在册人员"):
            services.org_unit_archive(actor=None, unit=b, on=dt.date(2026, 1, 1), reason="合并")
        empty = make_unit(UnitKind.BRANCH, tree["committee"])
        with pytest.raises(ValidationError):
            services.org_unit_archive(actor=None, unit=empty, on=dt.date(2026, 1, 1), reason=" ")
        services.org_unit_archive(actor=None, unit=empty, on=dt.date(2026, 1, 1), reason="机构调整")
        empty.refresh_from_db()
        assert empty.archived_on == dt.date(2026, 1, 1)
        assert empty.history.count() == 2  # created, then archived: nothing deleted


@pytest.mark.django_db
class TestTerms:
    def test_term_length_by_rule(self, tree):
        term = services.term_record(actor=None, unit=tree["branch_a"], started_on=dt.date(2024, 3, 15))
        assert term.ends_on == dt.date(2027, 3, 15)
        committee_term = services.term_record(actor=None, unit=tree["committee"], started_on=dt.date(2024, 3, 15))
        assert committee_term.ends_on == dt.date(2029, 3, 15)

    def test_community_branch_serves_five_years(self, tree):
        village = make_unit(UnitKind.BRANCH, tree["committee"], is_community=True)
        term = services.term_record(actor=None, unit=village, started_on=dt.date(2024, 1, 1))
        assert term.ends_on == dt.date(2029, 1, 1)

    def test_a_term_cannot_start_in_the_future(self, tree):
        """Also keeps the end date (start + term years) inside what a date can hold."""
        for day in (today() + dt.timedelta(days=1), dt.date(9999, 12, 31)):
            with pytest.raises(ValidationError, match="晚于今天"):
                services.term_record(actor=None, unit=tree["branch_a"], started_on=day)

    def test_groups_have_no_terms(self, tree):
        with pytest.raises(ValidationError, match="党小组"):
            services.term_record(actor=None, unit=tree["group_a"], started_on=dt.date(2024, 1, 1))

    @pytest.mark.parametrize(
        ("months_before_end", "code", "reminder"),
        [(12, "ok", None), (6, "due", 6), (5, "due", 6), (3, "due", 3), (1, "due", 1), (0, "due", 1), (-1, "overdue", None)],
    )
    def test_status_and_reminders(self, tree, months_before_end, code, reminder):
        today = dt.date(2026, 11, 22)
        end = add_months(today, months_before_end)
        term = services.term_record(actor=None, unit=tree["branch_a"], started_on=add_months(end, -36))
        assert term.ends_on == end
        status = selectors.term_status(term, today)
        assert status.code == code
        assert selectors.reminder_threshold(term, today) == reminder


@pytest.mark.django_db
class TestOfficers:
    def test_new_secretary_ends_the_previous_one(self, tree):
        a = tree["branch_a"]
        first, second = make_person(a), make_person(a)
        old = services.officer_appoint(actor=None, unit=a, person=first, role=OfficerRole.SECRETARY,
                                       started_on=dt.date(2023, 1, 1))
        services.officer_appoint(actor=None, unit=a, person=second, role=OfficerRole.SECRETARY,
                                 started_on=dt.date(2026, 1, 1))
        old.refresh_from_db()
        assert old.ended_on == dt.date(2026, 1, 1)
        assert list(selectors.officers_of(a, current_only=True).values_list("person", flat=True)) == [second.pk]

    def test_only_party_members_and_matching_roles(self, tree):
        a = tree["branch_a"]
        activist = make_person(a, status=Status.ACTIVIST)
        with pytest.raises(ValidationError, match="不是党员"):
            services.officer_appoint(actor=None, unit=a, person=activist, role=OfficerRole.PUBLICITY,
                                     started_on=dt.date(2026, 1, 1))
        member = make_person(a, group=tree["group_a"])
        with pytest.raises(ValidationError, match="党小组"):
            services.officer_appoint(actor=None, unit=a, person=member, role=OfficerRole.GROUP_LEADER,
                                     started_on=dt.date(2026, 1, 1))
        with pytest.raises(ValidationError, match="党小组只设"):
            services.officer_appoint(actor=None, unit=tree["group_a"], person=member, role=OfficerRole.SECRETARY,
                                     started_on=dt.date(2026, 1, 1))


@pytest.mark.django_db
def test_notify_is_idempotent(tree):
    user = make_user(tree["branch_a"])
    services.notify(user=user, key="term:1:6", title="换届提醒")
    services.notify(user=user, key="term:1:6", title="换届提醒")
    assert Notification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["\x00", "作废\x00原因"])
def test_services_refuse_nul_characters(tree, text):
    """Raw request text reaches some services (void reasons, notes): PostgreSQL cannot store a NUL,
    so every save refuses it as a validation error, on SQLite too."""
    from members.models import Recognition, RecognitionKind
    from members.services import recognition_void

    row = Recognition.objects.create(kind=RecognitionKind.MODEL_UNIT, unit=tree["branch_a"], date=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError) as caught:
        recognition_void(actor=None, recognition=row, reason=text)
    assert caught.value.message_dict == {"void_reason": [services.NUL_MESSAGE]}
    row.refresh_from_db()
    assert row.void_reason == ""
