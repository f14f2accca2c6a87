import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from branches.models import today
from members import services
from members.models import DevelopmentStep, EventKind, MemberEvent, Membership, Person, Status
from tests.factories import id_number, make_person


@pytest.mark.django_db
class TestCreate:
    def test_fills_birth_and_gender_from_id_and_pinyin(self, tree):
        number = id_number(dt.date(1990, 4, 2), male=False)
        person = services.person_create(actor=None, unit=tree["branch_a"], name="吕晓燕", id_number=number,
                                        status=Status.APPLICANT, applied_on=dt.date(2024, 1, 2))
        assert (person.birth_date, person.gender) == (dt.date(1990, 4, 2), "女")
        assert (person.pinyin, person.initials) == ("lvxiaoyan", "lxy")
        assert person.memberships.get().started_on == dt.date(2024, 1, 2)
        assert person.events.get().kind == EventKind.JOIN
        assert DevelopmentStep.objects.get(person=person).step == 1

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"id_number": "110105194912310021"}, "id_number", "校验位"),
            ({"gender": "男", "male": False}, "gender", "不一致"),
            ({"birth_date": dt.date(1970, 1, 1)}, "birth_date", "不一致"),
            ({"applied_on": dt.date(2030, 1, 1)}, "applied_on", "晚于今天"),
            ({"activist_on": dt.date(2007, 1, 1)}, "activist_on", "早于"),
            ({"status": Status.PROBATIONARY, "full_on": dt.date(2011, 1, 1)}, "full_on", "不应填写"),
            ({"status": Status.PROBATIONARY, "probationary_on": None, "full_on": None}, "probationary_on", "预备党员须填写"),
        ],
    )
    def test_refusals(self, tree, fields, field, message):
        birth = dt.date(1985, 6, 1)
        data = {
            "name": "张三", "id_number": id_number(birth, fields.pop("male", True)), "status": Status.FULL,
            "applied_on": dt.date(2008, 1, 10), "activist_on": dt.date(2008, 6, 1), "candidate_on": dt.date(2009, 7, 1),
            "probationary_on": dt.date(2009, 11, 1), "full_on": dt.date(2010, 11, 1),
        }
        data.update(fields)
        with pytest.raises(ValidationError) as caught:
            services.person_create(actor=None, unit=tree["branch_a"], **data)
        assert any(message in m for m in caught.value.message_dict[field])
        assert not Person.objects.exists()

    def test_applicant_must_be_eighteen(self, tree):
        number = id_number(dt.date(2008, 3, 1))
        with pytest.raises(ValidationError, match="未满18周岁"):
            services.person_create(actor=None, unit=tree["branch_a"], name="李四", id_number=number,
                                   status=Status.APPLICANT, applied_on=dt.date(2026, 2, 28))

    def test_must_be_placed_in_a_branch_and_own_group(self, tree):
        with pytest.raises(ValidationError, match="不是党支部"):
            make_person(tree["committee"])
        with pytest.raises(ValidationError, match="不在"):
            make_person(tree["branch_b"], group=tree["group_a"])
        assert not Person.objects.exists()


@pytest.mark.django_db
class TestTransfers:
    def test_transfer_between_branches_keeps_history(self, tree):
        person = make_person(tree["branch_a"], group=tree["group_a"])
        event = services.member_transfer_out(actor=None, person=person, date=dt.date(2026, 3, 10),
                                             to_unit=tree["branch_b"], letter_number="组转〔2026〕12号")
        memberships = list(person.memberships.order_by("started_on"))
        assert [(m.unit, m.ended_on) for m in memberships] == [
            (tree["branch_a"], dt.date(2026, 3, 10)), (tree["branch_b"], None)
        ]
        assert event.kind == EventKind.TRANSFER_OUT and event.letter_number == "组转〔2026〕12号"
        assert Person.objects.in_unit_on(tree["branch_a"], dt.date(2026, 3, 9)).filter(pk=person.pk).exists()
        assert not Person.objects.in_unit_on(tree["branch_a"], dt.date(2026, 3, 10)).filter(pk=person.pk).exists()
        assert Person.objects.in_unit_on(tree["branch_b"], dt.date(2026, 3, 10)).filter(pk=person.pk).exists()

    def test_transfer_out_of_the_system_and_back(self, tree):
        person = make_person(tree["branch_a"])
        with pytest.raises(ValidationError):
            services.member_transfer_out(actor=None, person=person, date=dt.date(2026, 3, 10))
        services.member_transfer_out(actor=None, person=person, date=dt.date(2026, 3, 10), external_org="某县委组织部")
        assert services.current_membership(person) is None
        with pytest.raises(ValidationError, match="早于"):
            services.member_transfer_in(actor=None, person=person, unit=tree["branch_b"], date=dt.date(2026, 1, 1))
        services.member_transfer_in(actor=None, person=person, unit=tree["branch_b"], date=dt.date(2026, 5, 1),
                                    external_org="某县委组织部")
        assert services.current_membership(person).unit == tree["branch_b"]
        assert list(person.events.values_list("kind", flat=True)) == [
            EventKind.JOIN, EventKind.TRANSFER_OUT, EventKind.TRANSFER_IN
        ]

    def test_transfer_cannot_predate_membership_or_be_in_the_future(self, tree):
        person = make_person(tree["branch_a"], joined_on=dt.date(2020, 1, 1))
        with pytest.raises(ValidationError):
            services.member_transfer_out(actor=None, person=person, date=dt.date(2019, 1, 1), external_org="外单位")
        with pytest.raises(ValidationError):
            services.member_transfer_out(actor=None, person=person, date=today() + dt.timedelta(days=1),
                                         external_org="外单位")
        assert services.current_membership(person) is not None

    def test_exit_closes_membership_and_keeps_person(self, tree):
        person = make_person(tree["branch_a"])
        with pytest.raises(ValidationError):
            services.member_exit(actor=None, person=person, kind=EventKind.DEATH, date=dt.date(2026, 1, 1), reason="")
        services.member_exit(actor=None, person=person, kind=EventKind.DEATH, date=dt.date(2026, 1, 1),
                             reason="家属告知")
        assert Person.objects.filter(pk=person.pk).exists()
        assert Membership.objects.get(person=person).ended_on == dt.date(2026, 1, 1)
        with pytest.raises(ValidationError):
            services.member_exit(actor=None, person=person, kind=EventKind.REMOVED, date=dt.date(2026, 2, 1),
                                 reason="x")

    def test_group_change(self, tree):
        person = make_person(tree["branch_a"], joined_on=dt.date(2020, 1, 1))
        services.member_group_change(actor=None, person=person, group=tree["group_a"], date=dt.date(2026, 1, 1))
        assert services.current_membership(person).group == tree["group_a"]
        assert person.memberships.count() == 2
        assert MemberEvent.objects.filter(person=person, kind=EventKind.GROUP_CHANGE).exists()


@pytest.mark.django_db
class TestDevelopmentSteps:
    def test_key_steps_move_status(self, tree):
        person = make_person(tree["branch_a"], status=Status.CANDIDATE)
        services.development_step_record(actor=None, person=person, step=15, done_on=dt.date(2024, 9, 1))
        person.refresh_from_db()
        # 支部大会讨论 alone does not make a 预备党员: the higher committee's approval (17) does,
        # and the 预备期 runs from the 支部大会 (发展细则 第二十八条).
        assert person.status == Status.CANDIDATE and person.probationary_on is None
        services.development_step_record(actor=None, person=person, step=17, done_on=dt.date(2024, 11, 1))
        person.refresh_from_db()
        assert person.status == Status.PROBATIONARY and person.probationary_on == dt.date(2024, 9, 1)
        services.development_step_record(actor=None, person=person, step=24, done_on=dt.date(2025, 9, 20))
        person.refresh_from_db()
        assert person.status == Status.FULL
        assert person.full_on == dt.date(2025, 9, 1)  # 转正 dates from the end of the 预备期

    def test_admission_and_approval_need_their_order(self, tree):
        applicant = make_person(tree["branch_a"], status=Status.APPLICANT, applied_on=dt.date(2024, 1, 1))
        with pytest.raises(ValidationError, match="只有发展对象才能由支部大会讨论接收为预备党员"):
            services.development_step_record(actor=None, person=applicant, step=15, done_on=dt.date(2024, 9, 1))
        candidate = make_person(tree["branch_a"], status=Status.CANDIDATE)
        with pytest.raises(ValidationError, match="请先记录第15步"):
            services.development_step_record(actor=None, person=candidate, step=17, done_on=dt.date(2024, 9, 1))
        services.development_step_record(actor=None, person=candidate, step=15, done_on=dt.date(2024, 9, 1))
        with pytest.raises(ValidationError, match="不能早于支部大会讨论日期"):
            services.development_step_record(actor=None, person=candidate, step=17, done_on=dt.date(2024, 8, 1))
        assert not DevelopmentStep.objects.filter(person=applicant).exclude(step=1).exists()

    def test_step_bounds(self, tree):
        person = make_person(tree["branch_a"], status=Status.ACTIVIST)
        with pytest.raises(ValidationError):
            services.development_step_record(actor=None, person=person, step=26, done_on=dt.date(2025, 1, 1))
        with pytest.raises(ValidationError):
            services.development_step_record(actor=None, person=person, step=5, done_on=today() + dt.timedelta(days=3))

    def test_history_records_actor(self, tree, owner):
        person = make_person(tree["branch_a"])
        services.person_update(actor=owner, person=person, phone="13900001111")
        assert person.history.first().history_user == owner
