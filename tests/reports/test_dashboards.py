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
    cells = {(x, y): v for x, y, v in chart["data"]}
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
