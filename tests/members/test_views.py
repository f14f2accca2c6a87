"""View-level tests for the roster, member pages, transfers, exits and development steps."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import idnumbers
from members.models import DevelopmentStep, EventKind, MemberEvent, Membership, Person, Status
from tests.factories import id_number, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(owner, staff, viewer, outsider, admin_user):
    return {"owner": owner, "staff": staff, "viewer": viewer, "outsider": outsider, "admin": admin_user}


@pytest.fixture
def member(tree):
    """A 正式党员 of branch A, in its 党小组."""
    return make_person(tree["branch_a"], group=tree["group_a"], name="张建国", phone="13812345678")


@pytest.fixture
def activist(tree):
    return make_person(tree["branch_a"], status=Status.ACTIVIST, name="李积极")


def url_for(name, person=None):
    if name in ("list", "create", "pipeline"):
        return reverse(f"members:{name}")
    return reverse(f"members:{name}", args=[person.pk])


PERSON_VIEWS = ["detail", "edit", "transfer_out", "transfer_in", "group_change", "exit", "step_add"]

GET_ACCESS = [
    ("list", {"owner": 200, "staff": 200, "viewer": 200, "outsider": 200}),
    ("pipeline", {"owner": 200, "staff": 200, "viewer": 200, "outsider": 200}),
    ("create", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 200}),
    ("detail", {"owner": 200, "staff": 200, "viewer": 200, "outsider": 404}),
    ("edit", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("transfer_out", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("transfer_in", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("group_change", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("exit", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("step_add", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
]


@pytest.mark.parametrize("role", ["owner", "staff", "viewer", "outsider", "admin"])
@pytest.mark.parametrize(("view", "expected"), GET_ACCESS, ids=[row[0] for row in GET_ACCESS])
def test_get_access(client_for, users, member, view, expected, role):
    response = client_for(users[role]).get(url_for(view, member))
    assert response.status_code == expected.get(role, 200)  # the administrator reaches everything


@pytest.mark.parametrize(("view", "method"), [
    ("list", "post"), ("pipeline", "post"), ("create", "delete"), ("detail", "post"), ("edit", "put"),
    ("transfer_out", "delete"), ("transfer_in", "put"), ("group_change", "patch"), ("exit", "delete"),
    ("step_add", "put"),
])
def test_wrong_method_is_405(client_for, owner, member, view, method):
    assert getattr(client_for(owner), method)(url_for(view, member)).status_code == 405


@pytest.mark.parametrize(("view", "method"), [
    *[(view, "get") for view in ["list", "pipeline", "create", *PERSON_VIEWS]],
    *[(view, "post") for view in ["create", *PERSON_VIEWS] if view != "detail"],
])
def test_anonymous_is_sent_to_login(client, member, view, method):
    response = getattr(client, method)(url_for(view, member))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


# Every change a non-editor tries is refused and writes nothing.
CHANGE_POSTS = [
    ("edit", lambda tree: {"name": "改名", "status": "full"}),
    ("transfer_out", lambda tree: {"date": "2025-01-01", "external_org": "外单位党支部"}),
    ("transfer_in", lambda tree: {"date": "2025-01-01", "unit": tree["branch_b"].pk}),
    ("group_change", lambda tree: {"date": "2025-01-01", "group": ""}),
    ("exit", lambda tree: {"kind": "death", "date": "2025-01-01", "reason": "病故"}),
    ("step_add", lambda tree: {"step": "25", "done_on": "2025-01-01"}),
]


@pytest.mark.parametrize(("view", "data"), CHANGE_POSTS, ids=[row[0] for row in CHANGE_POSTS])
@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("viewer", 403), ("outsider", 404)])
def test_changes_by_non_editors_write_nothing(client_for, tree, users, member, view, data, role, status):
    before = (Person.objects.get(pk=member.pk).name, Membership.objects.count(), MemberEvent.objects.count(),
              DevelopmentStep.objects.count())
    response = client_for(users[role]).post(url_for(view, member), data(tree))
    assert response.status_code == status
    after = (Person.objects.get(pk=member.pk).name, Membership.objects.count(), MemberEvent.objects.count(),
             DevelopmentStep.objects.count())
    assert after == before
    assert Membership.objects.get(person=member, ended_on__isnull=True).unit == tree["branch_a"]


# --- roster ---------------------------------------------------------------------------------------

def test_roster_lists_only_visible_people(client_for, tree, member, outsider, owner):
    theirs = make_person(tree["branch_b"], name="王外人")
    page = client_for(owner).get(url_for("list")).content.decode()
    assert member.name in page
    assert theirs.name not in page
    page = client_for(outsider).get(url_for("list")).content.decode()
    assert theirs.name in page
    assert member.name not in page


def test_roster_search_by_pinyin_initials_and_name(client_for, tree, member, owner):
    other = make_person(tree["branch_a"], name="王小明")
    client = client_for(owner)
    page = client.get(url_for("list"), {"q": "zjg"}).content.decode()
    assert member.name in page
    assert other.name not in page
    page = client.get(url_for("list"), {"q": "wangxiao"}).content.decode()
    assert other.name in page
    assert member.name not in page
    page = client.get(url_for("list"), {"q": "建国"}).content.decode()
    assert member.name in page


def test_roster_filters_by_status_and_unit(client_for, tree, member, activist, owner):
    client = client_for(owner)
    page = client.get(url_for("list"), {"status": "activist"}).content.decode()
    assert activist.name in page
    assert member.name not in page
    page = client.get(url_for("list"), {"unit": tree["group_a"].pk}).content.decode()
    assert member.name in page
    assert activist.name not in page


def test_roster_htmx_returns_the_table_only(client_for, member, owner):
    response = client_for(owner).get(url_for("list"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert member.name in content
    assert "<html" not in content


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_roster_query_count_does_not_grow_with_members(client_for, tree, users, role):
    client = client_for(users[role])

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url_for("list"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        make_person(tree["branch_a"], group=tree["group_a"])
    small = count_queries()
    for _ in range(35):
        make_person(tree["branch_a"])
    assert Person.objects.count() == 40
    assert count_queries() == small


def test_roster_is_paginated(client_for, tree, owner):
    for _ in range(52):
        make_person(tree["branch_a"])
    client = client_for(owner)
    first = client.get(url_for("list")).content.decode()
    assert "共 52 人，第 1 / 2 页" in first
    assert "第 2 / 2 页" in client.get(url_for("list"), {"page": 2}).content.decode()


# --- masking --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "masked"), [("owner", False), ("admin", False), ("staff", True), ("viewer", True)])
def test_id_number_masking(client_for, users, member, role, masked):
    client = client_for(users[role])
    masked_id = idnumbers.mask(member.id_number)
    assert masked_id.startswith(member.id_number[:6]) and masked_id.endswith(member.id_number[-4:])
    assert "*" * 8 in masked_id
    for page in (client.get(url_for("list")), client.get(url_for("detail", member))):
        content = page.content.decode()
        if masked:
            assert masked_id in content
            assert member.id_number not in content
            assert member.phone not in content
        else:
            assert member.id_number in content


def test_staff_history_hides_id_number_changes(client_for, owner, staff, member):
    number = id_number(member.birth_date, male=True)
    client_for(owner).post(url_for("edit", member), {
        "name": member.name, "id_number": number, "status": "full", "applied_on": "2008-01-10",
        "activist_on": "2008-06-01", "candidate_on": "2009-07-01", "probationary_on": "2009-11-01",
        "full_on": "2010-11-01", "probation_extension_months": "0"})
    assert Person.objects.get(pk=member.pk).id_number == number
    content = client_for(staff).get(url_for("detail", member)).content.decode()
    assert number not in content
    assert member.id_number not in content


# --- create and edit ------------------------------------------------------------------------------

def person_data(tree, **overrides):
    data = {
        "p-unit": tree["branch_a"].pk, "p-group": tree["group_a"].pk, "p-joined_on": "2020-03-01",
        "name": "陈新人", "id_number": id_number(dt.date(1990, 2, 3), male=False), "gender": "",
        "ethnicity": "汉族", "birth_date": "", "education": "大学本科", "position": "工程师",
        "phone": "13900001111", "status": "applicant", "applied_on": "2020-03-01",
    }
    data.update(overrides)
    return data


def test_owner_creates_member(client_for, tree, owner):
    data = person_data(tree)
    response = client_for(owner).post(url_for("create"), data)
    person = Person.objects.get(name="陈新人")
    assert response.status_code == 302
    assert response.url == url_for("detail", person)
    assert (person.id_number, person.gender, person.birth_date, person.status) == (
        data["id_number"], "女", dt.date(1990, 2, 3), Status.APPLICANT)
    assert (person.pinyin, person.initials) == ("chenxinren", "cxr")
    membership = Membership.objects.get(person=person)
    assert (membership.unit, membership.group, membership.started_on, membership.ended_on) == (
        tree["branch_a"], tree["group_a"], dt.date(2020, 3, 1), None)
    assert MemberEvent.objects.get(person=person).kind == EventKind.JOIN
    assert person.history.first().history_user == owner


def test_member_create_invalid_id_number(client_for, tree, owner):
    data = person_data(tree, id_number="11010119900203002X")
    response = client_for(owner).post(url_for("create"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "公民身份号码校验位错误" in content
    assert 'value="陈新人"' in content
    assert 'value="11010119900203002X"' in content
    assert 'value="工程师"' in content
    assert not Person.objects.exists()
    assert not Membership.objects.exists()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"id_number": "1101011990"}, "公民身份号码应为18位"),
    ({"applied_on": "2005-01-01"}, "申请入党时未满18周岁"),
    ({"gender": "男"}, "与公民身份号码（女）不一致"),
    ({"status": "probationary"}, "预备党员须填写接收预备党员日期"),
    ({"activist_on": "2019-01-01"}, "人员类别为申请人，不应填写确定积极分子日期"),
    ({"applied_on": "2099-01-01"}, "晚于今天"),
    ({"name": ""}, "这个字段是必填项"),
])
def test_member_create_bad_input(client_for, tree, owner, overrides, message):
    response = client_for(owner).post(url_for("create"), person_data(tree, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Person.objects.exists()


def test_member_create_reports_id_number_with_other_mistakes(client_for, tree, owner):
    response = client_for(owner).post(url_for("create"), person_data(tree, id_number="11010119900203002X",
                                                                       status=""))
    assert response.status_code == 200
    content = response.content.decode()
    assert "公民身份号码校验位错误" in content  # in the same round as the missing 人员类别
    assert "这个字段是必填项" in content
    assert not Person.objects.exists()


def test_member_create_preselects_the_only_branch(client_for, tree, owner):
    content = client_for(owner).get(url_for("create")).content.decode()
    assert f'<option value="{tree["branch_a"].pk}" selected>' in content


def test_member_create_in_other_branch_is_refused(client_for, tree, outsider):
    response = client_for(outsider).post(url_for("create"), person_data(tree, **{"p-group": ""}))
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Person.objects.exists()


def test_member_create_group_of_other_branch_is_refused(client_for, tree, owner):
    from tests.factories import make_unit

    other_group = make_unit("group", tree["branch_b"])
    response = client_for(owner).post(url_for("create"), person_data(tree, **{"p-group": other_group.pk}))
    assert response.status_code == 200
    assert not Person.objects.exists()


def test_owner_edits_member(client_for, owner, member):
    response = client_for(owner).post(url_for("edit", member), {
        "name": "张建军", "id_number": member.id_number, "status": "full", "position": "处长",
        "applied_on": "2008-01-10", "activist_on": "2008-06-01", "candidate_on": "2009-07-01",
        "probationary_on": "2009-11-01", "full_on": "2010-11-01", "probation_extension_months": "0"})
    assert response.status_code == 302
    person = Person.objects.get(pk=member.pk)
    assert (person.name, person.position, person.initials) == ("张建军", "处长", "zjj")


def test_member_edit_bad_dates_rerender(client_for, owner, member):
    response = client_for(owner).post(url_for("edit", member), {
        "name": "张建军", "id_number": member.id_number, "status": "full",
        "applied_on": "2008-01-10", "activist_on": "2007-06-01", "full_on": "2010-11-01",
        "probation_extension_months": "0"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "确定积极分子日期2007-06-01早于申请入党日期2008-01-10" in content
    assert 'value="张建军"' in content
    assert Person.objects.get(pk=member.pk).name == "张建国"


# --- transfers, exits, group changes, development steps --------------------------------------------

def test_transfer_out_to_another_branch(client_for, tree, owner, member):
    response = client_for(owner).post(url_for("transfer_out", member), {
        "date": "2025-05-01", "to_unit": tree["branch_b"].pk, "letter_number": "组字〔2025〕12号"})
    assert response.status_code == 302
    old = Membership.objects.get(person=member, unit=tree["branch_a"])
    new = Membership.objects.get(person=member, ended_on__isnull=True)
    assert old.ended_on == dt.date(2025, 5, 1)
    assert (new.unit, new.started_on) == (tree["branch_b"], dt.date(2025, 5, 1))
    event = MemberEvent.objects.get(person=member, kind=EventKind.TRANSFER_OUT)
    assert (event.from_unit, event.to_unit, event.letter_number, event.recorded_by) == (
        tree["branch_a"], tree["branch_b"], "组字〔2025〕12号", owner)
    # The old branch still reads the person's history but can no longer change them.
    client = client_for(owner)
    assert client.get(url_for("detail", member)).status_code == 200
    assert client.get(url_for("edit", member)).status_code == 403


def test_transfer_out_to_outside_organisation(client_for, tree, owner, member):
    response = client_for(owner).post(url_for("transfer_out", member), {
        "date": "2025-05-01", "external_org": "某市某局机关党支部", "letter_number": "A-001"})
    assert response.status_code == 302
    assert not Membership.objects.filter(person=member, ended_on__isnull=True).exists()
    page = client_for(owner).get(url_for("detail", member)).content.decode()
    assert "不在册" in page
    assert "至 某市某局机关党支部（系统外）" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"date": "2025-05-01"}, "请选择转入的党支部，或填写系统外的接收党组织"),
    ({"date": "2099-05-01", "external_org": "外单位"}, "转出日期不能晚于今天"),
    ({"date": "2010-01-01", "external_org": "外单位"}, "日期不能早于加入本组织的日期"),
    ({"date": "", "external_org": "外单位"}, "这个字段是必填项"),
])
def test_transfer_out_bad_input(client_for, tree, owner, member, data, message):
    response = client_for(owner).post(url_for("transfer_out", member), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    if data.get("external_org"):
        assert 'value="外单位"' in content
    assert Membership.objects.get(person=member).ended_on is None
    assert not MemberEvent.objects.filter(kind=EventKind.TRANSFER_OUT).exists()


def test_transfer_out_to_same_branch_refused(client_for, tree, owner, member):
    response = client_for(owner).post(url_for("transfer_out", member), {
        "date": "2025-05-01", "to_unit": tree["branch_a"].pk})
    assert response.status_code == 200
    assert "转入组织与现所在党支部相同" in response.content.decode()
    assert Membership.objects.get(person=member).ended_on is None


def test_transfer_in_after_leaving(client_for, tree, owner, member):
    client = client_for(owner)
    client.post(url_for("transfer_out", member), {"date": "2024-05-01", "external_org": "外单位"})
    response = client.post(url_for("transfer_in", member), {
        "date": "2025-02-01", "unit": tree["branch_a"].pk, "external_org": "外单位", "letter_number": "B-2"})
    assert response.status_code == 302
    current = Membership.objects.get(person=member, ended_on__isnull=True)
    assert (current.unit, current.started_on) == (tree["branch_a"], dt.date(2025, 2, 1))
    assert MemberEvent.objects.filter(person=member, kind=EventKind.TRANSFER_IN).count() == 1


def test_transfer_in_of_person_still_on_roll_is_refused(client_for, tree, owner, member):
    response = client_for(owner).post(url_for("transfer_in", member), {
        "date": "2025-02-01", "unit": tree["branch_a"].pk})
    assert response.status_code == 200
    assert "已有在册的组织关系" in response.content.decode()
    assert Membership.objects.filter(person=member).count() == 1


def test_exit_with_reason(client_for, tree, owner, member):
    response = client_for(owner).post(url_for("exit", member), {
        "kind": "death", "date": "2025-03-03", "reason": "病故，支部大会决议"})
    assert response.status_code == 302
    assert Membership.objects.get(person=member).ended_on == dt.date(2025, 3, 3)
    event = MemberEvent.objects.get(person=member, kind=EventKind.DEATH)
    assert event.reason == "病故，支部大会决议"
    assert Person.objects.filter(pk=member.pk).exists()  # never deleted


def test_exit_without_reason_rerenders(client_for, owner, member):
    response = client_for(owner).post(url_for("exit", member), {"kind": "removed", "date": "2025-03-03",
                                                                "reason": ""})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert Membership.objects.get(person=member).ended_on is None
    assert not MemberEvent.objects.filter(kind=EventKind.REMOVED).exists()


def test_group_change(client_for, tree, owner, member):
    response = client_for(owner).post(url_for("group_change", member), {"group": "", "date": "2025-02-02"})
    assert response.status_code == 302
    current = Membership.objects.get(person=member, ended_on__isnull=True)
    assert (current.unit, current.group, current.started_on) == (tree["branch_a"], None, dt.date(2025, 2, 2))
    assert MemberEvent.objects.filter(person=member, kind=EventKind.GROUP_CHANGE).exists()


def test_group_change_to_same_group_rerenders(client_for, tree, owner, member):
    response = client_for(owner).post(url_for("group_change", member), {"group": tree["group_a"].pk,
                                                                        "date": "2025-02-02"})
    assert response.status_code == 200
    assert "党小组没有变化" in response.content.decode()
    assert Membership.objects.filter(person=member).count() == 1


def test_development_step_record(client_for, owner, activist):
    client = client_for(owner)
    response = client.post(url_for("step_add", activist), {"step": "5", "done_on": "2023-06-10",
                                                           "note": "指定王某为培养联系人"})
    assert response.status_code == 302
    step = DevelopmentStep.objects.get(person=activist, step=5)
    assert (step.done_on, step.note) == (dt.date(2023, 6, 10), "指定王某为培养联系人")
    # A key step moves the status on.
    response = client.post(url_for("step_add", activist), {"step": "7", "done_on": "2024-07-01"})
    assert response.status_code == 302
    person = Person.objects.get(pk=activist.pk)
    assert (person.status, person.candidate_on) == (Status.CANDIDATE, dt.date(2024, 7, 1))


def test_training_step_keeps_hours(client_for, owner, activist):
    client_for(owner).post(url_for("step_add", activist), {"step": "11", "done_on": "2024-05-01", "hours": "24",
                                                           "days": "3"})
    step = DevelopmentStep.objects.get(person=activist, step=11)
    assert (step.hours, step.days) == (24, 3)


@pytest.mark.parametrize(("data", "message"), [
    ({"step": "5", "done_on": "2099-01-01"}, "完成日期不能晚于今天"),
    ({"step": "26", "done_on": "2024-01-01"}, "选择一个有效的选项"),
    ({"step": "5", "done_on": "2024-01-01", "hours": "-1"}, "确保该值大于或等于0"),
])
def test_development_step_bad_input(client_for, owner, activist, data, message):
    response = client_for(owner).post(url_for("step_add", activist), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DevelopmentStep.objects.filter(person=activist, step__in=[5, 26]).exists()


def test_development_step_for_full_member_refused(client_for, owner, member):
    response = client_for(owner).post(url_for("step_add", member), {"step": "5", "done_on": "2024-01-01"})
    assert response.status_code == 200
    assert "已是正式党员" in response.content.decode()


def test_pipeline_lists_people_with_next_step(client_for, tree, owner, staff, activist, member):
    for user in (owner, staff):
        page = client_for(user).get(url_for("pipeline")).content.decode()
        assert activist.name in page
        assert member.name not in page  # 正式党员 are not in the pipeline
    page = client_for(staff).get(url_for("pipeline"), {"unit": tree["branch_b"].pk}).content.decode()
    assert activist.name not in page
    theirs = make_person(tree["branch_b"], status=Status.APPLICANT, name="赵申请")
    page = client_for(owner).get(url_for("pipeline"), {"unit": tree["branch_b"].pk}).content.decode()
    assert theirs.name not in page  # a unit out of scope filters nothing in


def test_pipeline_pages_with_the_overdue_first(client_for, tree, staff, monkeypatch):
    from members import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for _ in range(4):
        make_person(tree["branch_b"], status=Status.APPLICANT, applied_on=dt.date.today() - dt.timedelta(days=5))
    late = make_person(tree["branch_a"], status=Status.APPLICANT, applied_on=dt.date.today() - dt.timedelta(days=200))
    client = client_for(staff)
    first = client.get(url_for("pipeline"))
    page = first.content.decode()
    assert _listed(page)[0] == late.pk
    assert "共5人" in page and "1人有超期事项" in page
    assert f'href="{url_for("detail", late)}"' in page
    assert "page=2" in page
    second = client.get(url_for("pipeline"), {"page": "2"}).content.decode()
    assert len(_listed(second)) == 2
    # by its link, not its name: random names can contain one another
    assert late.pk not in _listed(second)
    junk = client.get(url_for("pipeline"), {"page": "junk"}).content.decode()
    assert '<li class="page-item active" aria-current="page"><span class="page-link">1</span>' in junk


def _listed(page: str) -> list[int]:
    """The people a list page shows, in order (by their links in the table)."""
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    return [int(pk) for pk in re.findall(r'href="/members/(\d+)/"', table)]


def test_member_detail_shows_history_and_steps(client_for, owner, activist):
    page = client_for(owner).get(url_for("detail", activist)).content.decode()
    assert activist.name in page
    assert "确定发展对象" in page  # the next step is named


@pytest.mark.clock("2026-12-05")
def test_a_loaded_probationary_member_is_not_shown_overdue(client_for, owner, staff, tree):
    """预备党员 loaded with their dates: the 发展 page and their record do not flag the approval
    (上级党委审批) their status shows done."""
    person = make_person(tree["branch_a"], status=Status.PROBATIONARY, probationary_on=dt.date(2026, 3, 1))
    page = client_for(owner).get(url_for("detail", person)).content.decode()
    assert "按人员类别已完成，未记录日期" in page and "上级党委应在支部大会讨论后3个月内审批" not in page
    page = client_for(staff).get(url_for("pipeline")).content.decode()
    assert person.name in page and "上级党委应在支部大会讨论后3个月内审批" not in page and "超期事项" not in page


@pytest.mark.parametrize("view", ["pipeline", "home"])
def test_pipeline_and_home_query_count_does_not_grow(client_for, tree, staff, view):
    client = client_for(staff)
    url = reverse("home") if view == "home" else url_for(view)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for status in (Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE, Status.PROBATIONARY, Status.FULL):
        make_person(tree["branch_a"], status=status)
    small = count_queries()
    for index in range(35):
        status = [Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE, Status.PROBATIONARY][index % 4]
        make_person(tree["branch_a" if index % 2 else "branch_b"], status=status)
    assert count_queries() == small
