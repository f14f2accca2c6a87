"""Each computed scorecard item against hand-built records; publishing freezes a quarter."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from branches import services as org
from branches.models import OfficerRole, UnitKind
from branches.periods import Period
from dues import services as dues
from dues.models import PointsSheet
from meetings.models import AttendanceStatus, MeetingKind, MeetingStatus
from meetings.services import attendance_set
from members import services as members
from members.models import Status
from reports import services
from reports.models import RubricItem, Scorecard
from reports.scorecard_export import ScorecardExporter
from reports.scorecards import band_for, compute
from tests.dues.helpers import member
from tests.factories import make_person, make_unit
from tests.meetings.conftest import held

Q1, Q2 = Period.parse("2026Q1"), Period.parse("2026Q2")
AFTER = dt.date(2026, 5, 1)  # the quarter (and the remittance deadline) is over


def card(root, unit, on=AFTER, period=Q1):
    return next(c for c in compute(root, period, on=on) if c.unit.pk == unit.pk)


def item(scorecard, code):
    return next(i for i in scorecard.items if i.code == code)


@pytest.fixture
def branch(tree):
    return tree["branch_a"]


@pytest.mark.django_db
class TestOrganisation:
    def test_officers_need_a_committee_from_seven_full_members(self, tree, branch):
        people = [make_person(branch) for _ in range(7)]
        org.officer_appoint(actor=None, unit=branch, person=people[0], role=OfficerRole.SECRETARY,
                            started_on=dt.date(2025, 1, 1))
        result = item(card(tree["committee"], branch), "officers")
        assert result.points == 0 and "支委会" in result.explanation
        for person, role in zip(people[1:4], [OfficerRole.ORGANISATION, OfficerRole.PUBLICITY, OfficerRole.DISCIPLINE],
                                strict=True):
            org.officer_appoint(actor=None, unit=branch, person=person, role=role, started_on=dt.date(2025, 1, 1))
        assert item(card(tree["committee"], branch), "officers").points == 5

    def test_term_overdue_scores_zero(self, tree, branch):
        org.term_record(actor=None, unit=branch, started_on=dt.date(2022, 1, 1))  # ended 2025-01-01
        assert item(card(tree["committee"], branch), "terms").points == 0
        org.term_record(actor=None, unit=branch, started_on=dt.date(2025, 6, 1))
        assert item(card(tree["committee"], branch), "terms").points == 5

    def test_groups_required_from_threshold(self, tree):
        branch = tree["branch_b"]  # has no 党小组
        for _ in range(9):
            make_person(branch)
        assert item(card(tree["committee"], branch), "groups").points == 5
        make_person(branch)
        assert item(card(tree["committee"], branch), "groups").points == 0


@pytest.mark.django_db
class TestOrganisationalLife:
    def test_share_of_required_meetings(self, tree, branch):
        make_person(branch)
        held(branch, MeetingKind.GENERAL, dt.date(2026, 2, 10))
        for month in (1, 2):  # 主题党日 in two of three months
            held(branch, MeetingKind.THEME_DAY, dt.date(2026, month, 15))
        held(branch, MeetingKind.LECTURE, dt.date(2026, 3, 1), status=MeetingStatus.DRAFT)  # a draft does not count
        scorecard = card(tree["committee"], branch)
        assert item(scorecard, "general-meeting").points == 8
        assert item(scorecard, "theme-day").points == Decimal("4.7")  # 7 × 2/3
        assert item(scorecard, "lecture").points == 0
        assert "已到期3次，按期召开2次" in item(scorecard, "theme-day").explanation

    def test_open_subperiods_are_not_held_against_the_branch(self, tree, branch):
        make_person(branch)
        held(branch, MeetingKind.THEME_DAY, dt.date(2026, 1, 15))
        scorecard = card(tree["committee"], branch, on=dt.date(2026, 2, 10))
        assert item(scorecard, "theme-day").points == 7
        assert "尚未到期" in item(scorecard, "theme-day").explanation

    def test_group_meetings_counted_per_group(self, tree, branch):
        make_person(branch, group=tree["group_a"])
        for month in (1, 2, 3):
            held(tree["group_a"], MeetingKind.GROUP, dt.date(2026, month, 20))
        assert item(card(tree["committee"], branch), "group-meeting").points == 6

    def test_attendance_rate(self, tree, branch):
        people = [make_person(branch) for _ in range(10)]
        meeting = held(branch, MeetingKind.GENERAL, dt.date(2026, 2, 10), status=MeetingStatus.DRAFT)
        for person in people[:2]:
            attendance_set(actor=None, meeting=meeting, person=person, status=AttendanceStatus.ABSENT)
        meeting.status = MeetingStatus.CONFIRMED
        meeting.save(update_fields=["status"])
        result = item(card(tree["committee"], branch), "attendance")
        assert result.points == Decimal("4.4")  # 80% of the 90% standard → 5 × 0.8/0.9
        assert "出勤率80.0%" in result.explanation


@pytest.mark.django_db
class TestMembersAndDues:
    def test_points_published_every_month(self, tree, branch):
        make_person(branch)
        for month in (1, 2):
            PointsSheet.objects.create(unit=branch, month=dt.date(2026, month, 1), scheme_id=1, state="public")
        result = item(card(tree["committee"], branch), "points")
        assert result.points == Decimal("3.3") and "3月未公示" in result.explanation

    def test_dues_rate_and_remittance(self, tree, branch):
        payer, debtor = member(branch, base="4000"), member(branch, base="4000")
        for month in (1, 2, 3):
            dues.dues_generate(actor=None, month=dt.date(2026, month, 1))
            dues.payments_record(actor=None, person=payer, months=[dt.date(2026, month, 1)], paid_on=dt.date(2026, month, 20))
        scorecard = card(tree["committee"], branch)
        assert item(scorecard, "dues-rate").points == 5  # half the money collected
        assert item(scorecard, "remittance").points == 0
        dues.remittance_record(actor=None, unit=branch, period=Q1, amount=Decimal("120"), remitted_on=dt.date(2026, 4, 10))
        assert item(card(tree["committee"], branch), "remittance").points == 5
        assert debtor  # the debtor is what keeps the rate at 50%

    def test_pipeline_overdue(self, tree, branch):
        make_person(branch)
        assert item(card(tree["committee"], branch), "pipeline").points == 10
        make_person(branch, status=Status.APPLICANT, applied_on=dt.date(2026, 1, 5))  # nobody talked to them
        result = item(card(tree["committee"], branch), "pipeline")
        assert result.points == 0 and "谈话" in result.explanation

    def test_pipeline_loaded_probationary_members_are_on_time(self, tree, branch):
        """预备党员 loaded with their dates (no 上级党委审批 step on record) were approved: their
        status says so. This scored 0 for every branch of the demo."""
        make_person(branch, status=Status.PROBATIONARY, probationary_on=dt.date(2025, 10, 1))
        result = item(card(tree["committee"], branch), "pipeline")
        assert (result.points, result.explanation) == (10, "发展党员工作对象1人，本季度各环节均按期")

    @pytest.mark.clock("2026-12-05")
    def test_pipeline_quarter_judged_on_its_last_day(self, tree, branch):
        # applied 20 March: the talk is due 20 April, after Q1; still not held today
        make_person(branch, status=Status.APPLICANT, applied_on=dt.date(2026, 3, 20))
        assert item(card(tree["committee"], branch, on=dt.date(2026, 12, 5)), "pipeline").points == 10
        q2 = item(card(tree["committee"], branch, on=dt.date(2026, 12, 5), period=Q2), "pipeline")
        assert q2.points == 0 and "第2步超期未办" in q2.explanation and "2026-04-20" in q2.explanation

    @pytest.mark.clock("2026-12-05")
    def test_pipeline_step_done_late_in_the_quarter_loses_it(self, tree, branch):
        person = make_person(branch, status=Status.APPLICANT, applied_on=dt.date(2026, 3, 1))  # talk by 1 April
        members.development_step_record(actor=None, person=person, step=2, done_on=dt.date(2026, 4, 15))
        q2 = item(card(tree["committee"], branch, on=dt.date(2026, 12, 5), period=Q2), "pipeline")
        assert q2.points == 0 and "第2步逾期办理" in q2.explanation
        q3 = item(card(tree["committee"], branch, on=dt.date(2026, 12, 5), period=Period.parse("2026Q3")), "pipeline")
        assert q3.points == 10
        q1 = item(card(tree["committee"], branch, on=dt.date(2026, 12, 5)), "pipeline")
        assert q1.points == 10  # on 31 March the talk was not yet due

    def test_pipeline_nobody_in_it_earns_what_the_rubric_says(self, tree, branch):
        make_person(branch)  # a 正式党员 only
        rubric_item = RubricItem.objects.get(code="pipeline")
        assert rubric_item.params["empty_points"] == 10  # the default rubric's data
        result = item(card(tree["committee"], branch), "pipeline")
        assert (result.points, result.explanation) == (10, "本季度无发展党员工作对象，按考核细则计10分")
        rubric_item.params = {"empty_points": 6}
        rubric_item.save()
        result = item(card(tree["committee"], branch), "pipeline")
        assert (result.points, result.explanation) == (Decimal(6), "本季度无发展党员工作对象，按考核细则计6分")

    def test_pipeline_a_branch_is_judged_on_its_own_people(self, tree, branch):
        other = tree["branch_b"]
        make_person(other, status=Status.APPLICANT, applied_on=dt.date(2026, 1, 5))  # overdue, in branch B
        make_person(branch, status=Status.CANDIDATE)
        cards = {c.unit.pk: item(c, "pipeline") for c in compute(tree["committee"], Q1, on=AFTER)}
        assert (cards[branch.pk].points, cards[other.pk].points) == (10, 0)


@pytest.mark.django_db
class TestPublishing:
    def score_manual(self, staff, tree):
        overall = RubricItem.objects.get(code="overall")
        for unit in (tree["branch_a"], tree["branch_b"]):
            services.manual_score_set(actor=staff, unit=unit, period=Q1, item=overall, points="8", comment="资料规范")

    def test_manual_item_validation(self, tree, staff):
        overall = RubricItem.objects.get(code="overall")
        with pytest.raises(ValidationError):
            services.manual_score_set(actor=staff, unit=tree["branch_a"], period=Q1, item=overall, points="11", comment="x")
        with pytest.raises(ValidationError):
            services.manual_score_set(actor=staff, unit=tree["branch_a"], period=Q1, item=overall, points="5", comment=" ")
        with pytest.raises(ValidationError):
            services.manual_score_set(actor=staff, unit=tree["branch_a"], period=Q1,
                                      item=RubricItem.objects.get(code="terms"), points="5", comment="x")

    def test_publish_freezes_and_republish_is_explicit(self, tree, staff):
        make_person(tree["branch_a"])
        with pytest.raises(ValidationError, match="尚未评分"):
            services.scorecards_publish(actor=staff, root=tree["committee"], period=Q1)
        self.score_manual(staff, tree)
        rows = services.scorecards_publish(actor=staff, root=tree["committee"], period=Q1)
        assert len(rows) == 2 and {r.rank for r in rows} <= {1, 2}
        frozen = Scorecard.objects.get(unit=tree["branch_a"], period="2026Q1")
        before = (frozen.total, frozen.snapshot)
        held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2026, 2, 1))  # records change after publication
        frozen.refresh_from_db()
        assert (frozen.total, frozen.snapshot) == before
        with pytest.raises(ValidationError, match="原因"):
            services.scorecards_publish(actor=staff, root=tree["committee"], period=Q1)
        services.scorecards_publish(actor=staff, root=tree["committee"], period=Q1, reason="补录党员大会")
        frozen.refresh_from_db()
        assert frozen.version == 2 and frozen.history.count() == 2
        assert frozen.total > frozen.history.last().total

    def test_export_json_shape(self, tree, staff):
        make_person(tree["branch_a"])
        output = ScorecardExporter().render(unit=tree["committee"], period=Q1, fmt="json", user=None)
        data = json.loads(output.content)
        assert data["org"] == tree["committee"].code and data["period"] == "2026Q1"
        branch = data["branches"][0]
        assert set(branch) == {"code", "name", "total", "band", "rank", "items"}
        assert [i["category"] for i in branch["items"]] == ["组织建设", "组织生活", "党员管理", "党费", "发展党员", "综合评价"]
        assert sum(i["max"] for i in branch["items"]) == 100


def test_bands():
    assert [band_for(Decimal(v)) for v in ("90", "89.9", "80", "79.9", "60", "59.9")] == [
        "优秀", "良好", "良好", "一般", "一般", "较差"]


@pytest.mark.django_db
def test_constant_queries(tree, django_assert_max_num_queries):
    committee = tree["committee"]
    for _ in range(2):
        make_person(make_unit(UnitKind.BRANCH, committee))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        compute(committee, Q1, on=AFTER)
    for _ in range(6):
        branch = make_unit(UnitKind.BRANCH, committee)
        make_person(branch)
        make_unit(UnitKind.GROUP, branch)
    with CaptureQueriesContext(connection) as many:
        compute(committee, Q1, on=AFTER)
    assert len(many) == len(few)


@pytest.mark.django_db
@pytest.mark.clock("2026-12-05")
class TestPeriodsNotEnded:
    """Issue 16, finding 6: a quarter still running is not published unless explicitly, with a reason."""

    Q4 = Period.parse("2026Q4")

    def score_manual(self, staff, tree):
        overall = RubricItem.objects.get(code="overall")
        for unit in (tree["branch_a"], tree["branch_b"]):
            services.manual_score_set(actor=staff, unit=unit, period=self.Q4, item=overall, points="8", comment="资料规范")

    def test_running_quarter_is_refused_then_published_early_with_the_reason(self, tree, staff):
        make_person(tree["branch_a"])
        self.score_manual(staff, tree)
        with pytest.raises(ValidationError, match="尚未结束（12月31日截止）") as refused:
            services.scorecards_publish(actor=staff, root=tree["committee"], period=self.Q4)
        assert "提前发布" in str(refused.value)
        with pytest.raises(ValidationError, match="提前发布须填写原因"):
            services.scorecards_publish(actor=staff, root=tree["committee"], period=self.Q4, early=True,
                                        early_reason="  ")
        assert not Scorecard.objects.exists()
        rows = services.scorecards_publish(actor=staff, root=tree["committee"], period=self.Q4, early=True,
                                           early_reason="上级党委要求12月10日前报送")
        assert {row.early_reason for row in rows} == {"上级党委要求12月10日前报送"}

    def test_a_quarter_over_needs_no_reason_and_keeps_none(self, tree, staff):
        make_person(tree["branch_a"])
        q3 = Period.parse("2026Q3")
        overall = RubricItem.objects.get(code="overall")
        for unit in (tree["branch_a"], tree["branch_b"]):
            services.manual_score_set(actor=staff, unit=unit, period=q3, item=overall, points="8", comment="资料规范")
        rows = services.scorecards_publish(actor=staff, root=tree["committee"], period=q3, early=True,
                                           early_reason="多余的原因")
        assert {row.early_reason for row in rows} == {""}

    def test_talk_progress_is_whole_pairs(self, tree, branch):
        people = [make_person(branch) for _ in range(7)]
        for person, role in zip(people, [OfficerRole.SECRETARY, OfficerRole.ORGANISATION, OfficerRole.PUBLICITY],
                                strict=False):
            org.officer_appoint(actor=None, unit=branch, person=person, role=role, started_on=dt.date(2025, 1, 1))
        q3 = Period.parse("2026Q3")
        explanation = item(card(tree["committee"], branch, on=dt.date(2026, 12, 5), period=q3), "talks").explanation
        # 3 支委 × 6 others each, minus the 3 pairs among the 支委 counted twice: 15 pairs a year
        assert explanation == "全年应谈15对，截至2026年第三季度已谈0对，按进度（全年的3/4）应谈12对"
        q4 = item(card(tree["committee"], branch, on=dt.date(2026, 12, 5), period=self.Q4), "talks").explanation
        assert q4 == "全年应谈15对，截至2026年第四季度已谈0对"
        assert "进度要求" not in explanation + q4 and ".0" not in explanation + q4
