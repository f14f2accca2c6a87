"""Home pages: a secretary's to-do list and a committee's overview come from the records."""

import datetime as dt

import pytest
from django.urls import reverse

from branches import services as org
from meetings.models import MeetingKind
from members.models import Status
from members.org_tree import unit_tree
from reports.dashboards import compliance_heatmap, secretary_home
from tests.factories import make_person
from tests.meetings.conftest import held

ON = dt.date(2026, 11, 22)


@pytest.mark.django_db
def test_secretary_todos(tree, owner):
    branch = tree["branch_a"]
    make_person(branch)
    make_person(branch, status=Status.APPLICANT, applied_on=dt.date(2026, 9, 1))  # talk overdue
    org.term_record(actor=None, unit=branch, started_on=dt.date(2023, 12, 1))  # ends 2026-12-01
    held(branch, MeetingKind.THEME_DAY, dt.date(2026, 10, 15))
    node = next(n for n in unit_tree(user=owner) if n.unit == branch)
    (_, todos), = secretary_home(owner, [node], ON, 20)[1]
    texts = [t.text for t in todos]
    assert any("11月还需召开主题党日1次" in t for t in texts)
    assert not any("10月" in t and "主题党日" in t for t in texts)  # October was met
    assert any("党员大会" in t for t in texts)  # the quarter's 党员大会 is still due
    assert any("党费尚未生成" in t for t in texts)
    assert any("10月积分" in t for t in texts)
    assert any("谈话" in t for t in texts)
    assert any(t.area == "换届" for t in todos)
    assert todos[0].level == "danger"  # the overdue talk comes first
    assert all(t.url.startswith("/") for t in todos)


@pytest.mark.django_db
def test_heatmap_marks_each_branch_and_rule(tree):
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2026, 10, 20))
    make_person(tree["branch_a"])
    make_person(tree["branch_b"])
    chart = compliance_heatmap(tree["committee"], ON)
    assert chart["rows"] == ["第一党支部", "第二党支部"]
    general = chart["labels"].index("党员大会")
    cells = {(x, y): v for x, y, v, *_ in chart["data"]}
    assert cells[(general, 0)] == 2  # met
    assert cells[(general, 1)] == 1  # still due this quarter


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner", "staff", "viewer", "outsider", "admin_user"])
def test_home_renders_for_every_role(request, client_for, tree, who):
    make_person(tree["branch_a"])
    response = client_for(request.getfixturevalue(who)).get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert ("chart-heatmap" in page) == (who in ("staff", "admin_user"))
    assert ("待办" in page) == (who not in ("staff", "admin_user"))


@pytest.mark.django_db
def test_committee_home_counts_units_of_each_kind(client_for, tree, staff):
    from branches.models import UnitKind
    from tests.factories import make_unit

    make_unit(UnitKind.GROUP, tree["branch_a"], name="第二党小组")
    make_unit(UnitKind.GROUP, tree["branch_b"], name="第一党小组")
    page = client_for(staff).get(reverse("home")).content.decode()
    assert '<div class="stat">3</div><div class="stat-label">党小组</div>' in page
    # the 党支部 are counted from the tree, which is read without the 党小组
    assert '<div class="stat">2</div><div class="stat-label">党支部</div>' in page


@pytest.mark.django_db
def test_dues_todo_counts_who_has_not_paid_in_full_as_the_dues_page_does(tree):
    """A partial payment leaves a member owing; a member exempted (困难减免, 0 due) owes nothing."""
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    import time_machine

    from branches.periods import Period
    from dues import services as dues
    from dues.facts import figures_for
    from reports.dashboards import ledger_todos
    from tests.dues.helpers import member

    branch, month = tree["branch_b"], dt.date(2026, 11, 1)
    with time_machine.travel(dt.datetime(2026, 11, 22, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        paid, partial, _unpaid = (member(branch, base="4000") for _ in range(3))
        for _ in range(2):
            dues.dues_base_set(actor=None, person=make_person(branch), category="困难减免", base=None,
                               effective_from=dt.date(2015, 1, 1), approval_ref="机关党委〔2026〕1号")
        dues.dues_generate(actor=None, month=month)
        dues.payments_record(actor=None, person=paid, months=[month], paid_on=dt.date(2026, 11, 5))
        dues.payments_record(actor=None, person=partial, months=[month], paid_on=dt.date(2026, 11, 5),
                             amounts={month: Decimal("10.00")})
        texts = [todo.text for todo in ledger_todos(branch, ON)]
    assert "11月还有2人未缴党费（其中1人未缴足）" in texts
    figures = figures_for(branch, Period.month_of(month))
    # the two 免缴 members are neither owed nor paid: not counted as paid (docs/figures.md)
    assert (figures.owed, figures.settled, figures.partial, figures.exempt) == (3, 1, 1, 2)


@pytest.mark.django_db
@pytest.mark.clock("2026-12-05")
def test_heatmap_shows_a_missed_month_as_the_grid_does(tree, client_for, staff):
    """Issue 16, finding 2: a 党小组 held its 党小组会 in October only; on 5 December November has
    closed unmet. The grid shows ⚠ 1/3 未完成, and so does the home heat map, not a plain yellow."""
    make_person(tree["branch_a"], group=tree["group_a"])
    held(tree["group_a"], MeetingKind.GROUP, dt.date(2026, 10, 12))
    on = dt.date(2026, 12, 5)
    grid = client_for(staff).get(reverse("meetings:grid"), {"unit": tree["committee"].pk}).context
    column = [code for code, _ in grid["columns"]].index("group-meeting")
    row = next(r for r in grid["rows"] if r["unit"]["pk"] == tree["branch_a"].pk)
    cell = row["cells"][column]
    assert (cell["status"], cell["late"], cell["text"], cell["missed"]) == ("missing", True, "⚠ 1/3", ["11月"])
    assert grid["late"] == 2  # the second branch held no 主题党日 in October or November
    chart = client_for(staff).get(reverse("home")).context["overview"]["heatmap"]
    assert chart == compliance_heatmap(tree["committee"], on)
    y = chart["rows"].index("第一党支部")
    point = next(p for p in chart["data"] if p[:2] == [column, y])
    assert point == [column, y, 0, "⚠ 1/3", cell["title"]]
    assert chart["legend"][point[2]] == "未完成" and "11月未完成" in point[4]
    assert chart["late"] == 2


@pytest.mark.django_db
@pytest.mark.clock("2026-12-05")
def test_a_todo_due_in_another_year_shows_the_year(client_for, tree, owner):
    """Finding 7: "（9月20日前）" for a 2025 deadline read as this September."""
    make_person(tree["branch_a"], status=Status.APPLICANT, applied_on=dt.date(2025, 8, 20))  # talk overdue
    page = client_for(owner).get(reverse("home")).content.decode()
    assert "（2025年9月20日前）" in page
    assert "（12月31日前）" in page  # this year's deadlines stay short


@pytest.mark.django_db
@pytest.mark.clock("2026-12-05")
def test_the_committees_approvals_are_on_its_home_not_the_secretarys(tree, client_for, owner, staff):
    """Issue 18: 上级党委审批 is the committee's task. A 发展对象 discussed by the 支部大会 in
    July waits on the 党委's approval (3 months): overdue on the committee's home, absent from the
    secretary's to-do, where only the branch's own steps are listed."""
    from members.services import development_step_record

    person = make_person(tree["branch_a"], status=Status.CANDIDATE, name="周八")
    development_step_record(actor=None, person=person, step=15, done_on=dt.date(2026, 7, 10))
    secretary = client_for(owner).get(reverse("home")).context["todos"]
    assert not [todo for _, todos in secretary for todo in todos if "上级党委" in todo.text]
    committee = client_for(staff).get(reverse("home"))
    approvals = committee.context["overview"]["approvals"]
    assert [(todo.level, "周八" in todo.text) for todo in approvals if "上级党委" in todo.text] == [("danger", True)]
    assert "待党委办理的发展党员事项" in committee.content.decode()
