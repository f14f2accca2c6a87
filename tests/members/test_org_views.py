"""View-level tests for the organisation pages, notifications and browser imports.

Access rules (branches/access.py): outsider → 404 for another branch's objects, may-read-but-not-
change → 403, wrong HTTP method → 405, anonymous → login page.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from branches.models import Notification, Officer, OfficerRole, OrgUnit, Term, UnitKind, today
from members.models import Membership, Person, Status
from reports.models import ImportBatch
from tests.celery_support import jobs_run_on_commit
from tests.factories import id_number, make_person, make_unit, make_user

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def officer(tree):
    person = make_person(tree["branch_a"])
    return Officer.objects.create(unit=tree["branch_a"], person=person, role=OfficerRole.PUBLICITY,
                                  started_on=dt.date(2024, 1, 1))


def url_for(name, tree, officer=None, batch=None):
    a = tree["branch_a"]
    return {
        "home": reverse("home"),
        "tree": reverse("org:tree"),
        "unit": reverse("org:unit", args=[a.pk]),
        "unit_edit": reverse("org:unit_edit", args=[a.pk]),
        "group_archive": reverse("org:unit_archive", args=[tree["group_a"].pk]),
        "group_create": reverse("org:unit_create", args=[a.pk]) + "?kind=group",
        "officer_add": reverse("org:officer_add", args=[a.pk]),
        "officer_end": reverse("org:officer_end", args=[a.pk, officer.pk]) if officer else None,
        "term_add": reverse("org:term_add", args=[a.pk]),
        "notifications": reverse("org:notifications"),
        "notifications_read": reverse("org:notifications_read"),
        "import_upload": reverse("reports:import_upload", args=["members"]),
        "import_template": reverse("reports:import_template", args=["members"]),
        "import_preview": reverse("reports:import_preview", args=[batch.pk]) if batch else None,
        "import_confirm": reverse("reports:import_confirm", args=[batch.pk]) if batch else None,
    }[name]


# --- access table --------------------------------------------------------------------------------

# (view, method, {role: expected status}); "ok" = 200 for GET, redirect for POST-only views.
GET_ACCESS = [
    ("home", {"owner": 200, "staff": 200, "viewer": 200, "outsider": 200}),
    ("tree", {"owner": 200, "staff": 200, "viewer": 200, "outsider": 200}),
    ("unit", {"owner": 200, "staff": 200, "viewer": 200, "outsider": 404}),
    ("unit_edit", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("group_archive", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("group_create", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("officer_add", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("officer_end", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("term_add", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 404}),
    ("notifications", {"owner": 200, "staff": 200, "viewer": 200, "outsider": 200}),
    ("import_upload", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 200}),
    ("import_template", {"owner": 200, "staff": 403, "viewer": 403, "outsider": 200}),
]

# Views that accept only some methods: (view, a method they refuse).
WRONG_METHOD = [
    ("home", "post"), ("tree", "post"), ("unit", "post"), ("unit_edit", "delete"), ("group_archive", "put"),
    ("group_create", "delete"), ("officer_add", "put"), ("officer_end", "delete"), ("term_add", "patch"),
    ("notifications", "post"), ("notifications_read", "get"), ("import_upload", "delete"),
    ("import_template", "post"), ("import_preview", "post"), ("import_confirm", "get"),
]


@pytest.fixture
def users(owner, staff, viewer, outsider, admin_user):
    return {"owner": owner, "staff": staff, "viewer": viewer, "outsider": outsider, "admin": admin_user}


@pytest.fixture
def batch(owner):
    return ImportBatch.objects.create(user=owner, kind="members", original_name="x.xlsx",
                                      state=ImportBatch.State.REFUSED, problems=["第2行 姓名：必填"])


@pytest.mark.parametrize("role", ["owner", "staff", "viewer", "outsider", "admin"])
@pytest.mark.parametrize(("view", "expected"), GET_ACCESS, ids=[row[0] for row in GET_ACCESS])
def test_get_access(client_for, tree, users, officer, view, expected, role):
    response = client_for(users[role]).get(url_for(view, tree, officer))
    assert response.status_code == expected.get(role, 200)  # the administrator reaches everything


@pytest.mark.parametrize(("view", "method"), WRONG_METHOD)
def test_wrong_method_is_405(client_for, tree, owner, officer, batch, view, method):
    response = getattr(client_for(owner), method)(url_for(view, tree, officer, batch))
    assert response.status_code == 405


@pytest.mark.parametrize(("view", "method"), [
    ("home", "get"), ("tree", "get"), ("unit", "get"), ("unit_edit", "get"), ("unit_edit", "post"),
    ("group_archive", "post"), ("group_create", "post"), ("officer_add", "post"), ("officer_end", "post"),
    ("term_add", "post"), ("notifications", "get"), ("notifications_read", "post"), ("import_upload", "get"),
    ("import_template", "get"), ("import_preview", "get"), ("import_confirm", "post"),
])
def test_anonymous_is_sent_to_login(client, tree, officer, batch, view, method):
    url = url_for(view, tree, officer, batch)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("view", "data"), [
    ("unit_edit", {"code": "HACK", "name": "被改名", "kind": "branch"}),
    ("group_archive", {"archived_on": "2026-01-01", "reason": "撤销"}),
    ("group_create", {"code": "G999", "name": "新党小组", "kind": "group"}),
    ("officer_end", {"ended_on": "2026-01-01"}),
    ("term_add", {"started_on": "2025-01-01"}),
])
@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("viewer", 403), ("outsider", 404)])
def test_posts_by_non_editors_change_nothing(client_for, tree, users, officer, view, data, role, status):
    units_before = list(OrgUnit.objects.values_list("code", "name", "archived_on").order_by("pk"))
    response = client_for(users[role]).post(url_for(view, tree, officer), data)
    assert response.status_code == status
    assert list(OrgUnit.objects.values_list("code", "name", "archived_on").order_by("pk")) == units_before
    assert not Term.objects.exists()
    officer.refresh_from_db()
    assert officer.ended_on is None


def test_officer_add_by_staff_is_refused(client_for, tree, staff):
    person = make_person(tree["branch_a"])
    response = client_for(staff).post(url_for("officer_add", tree), {
        "person": person.pk, "role": OfficerRole.SECRETARY, "started_on": "2025-01-01"})
    assert response.status_code == 403
    assert not Officer.objects.exists()


def test_outsider_sees_only_own_branch_in_tree(client_for, tree, outsider):
    response = client_for(outsider).get(reverse("org:tree"))
    assert response.status_code == 200
    content = response.content.decode()
    assert tree["branch_b"].name in content
    assert tree["branch_a"].name not in content


def test_staff_sees_the_whole_small_tree(client_for, tree, staff):
    response = client_for(staff).get(reverse("org:tree"))
    content = response.content.decode()
    for key in ("committee", "branch_a", "branch_b", "group_a"):
        assert tree[key].name in content
    assert "?under=" not in content


@pytest.fixture
def large_tree(monkeypatch):
    """The tree fixture counts as large: it opens two levels at a time."""
    from members import org_views as views

    monkeypatch.setattr(views, "FULL_TREE_UNITS", 3)


def test_a_large_tree_opens_two_levels_and_unfolds_on_request(client_for, tree, staff, large_tree):
    client = client_for(staff)
    response = client.get(reverse("org:tree"))
    content = response.content.decode()
    assert tree["branch_a"].name in content and tree["group_a"].name not in content
    # 第一党支部 has one 党小组 folded away, 第二党支部 none
    assert f'id="unfold-{tree["branch_a"].pk}"' in content and "展开1个下级组织" in content
    assert f'id="unfold-{tree["branch_b"].pk}"' not in content
    unfold = f"{reverse('org:tree')}?under={tree['branch_a'].pk}"
    assert f'hx-get="{unfold}"' in content
    fragment = client.get(unfold, HTTP_HX_REQUEST="true")
    assert tree["group_a"].name in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert f'<span id="unfold-{tree["branch_a"].pk}" hx-swap-oob="true">' in fragment.content.decode()
    page = client.get(unfold)  # without JavaScript: a page of that subtree
    assert "<html" in page.content.decode() and tree["group_a"].name in page.content.decode()
    assert tree["branch_b"].name not in page.content.decode()


def test_tree_search_finds_units_at_any_depth_with_their_ancestors(client_for, tree, staff, large_tree):
    response = client_for(staff).get(reverse("org:tree"), {"q": "第一党小"})
    content = response.content.decode()
    for key in ("committee", "branch_a", "group_a"):
        assert tree[key].name in content
    assert tree["branch_b"].name not in content
    code = client_for(staff).get(reverse("org:tree"), {"q": tree["branch_b"].code.lower()}).content.decode()
    assert tree["branch_b"].name in code and tree["group_a"].name not in code
    nothing = client_for(staff).get(reverse("org:tree"), {"q": "不存在的组织"}).content.decode()
    assert "没有名称或编码含“不存在的组织”的组织" in nothing


def test_tree_search_stays_within_the_scope(client_for, tree, outsider):
    content = client_for(outsider).get(reverse("org:tree"), {"q": "党"}).content.decode()
    assert tree["branch_b"].name in content
    assert tree["branch_a"].name not in content and tree["group_a"].name not in content


@pytest.mark.parametrize("under", ["branch_a", "junk"])
def test_unfolding_another_branch_is_not_found(client_for, tree, outsider, under):
    value = tree[under].pk if under in tree else "abc"
    assert client_for(outsider).get(reverse("org:tree"), {"under": value}, HTTP_HX_REQUEST="true").status_code == 404


def test_tree_page_queries_do_not_grow_with_the_tree(client_for, tree, staff):
    client = client_for(staff)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("org:tree"))
    for n in range(6):
        branch = make_unit(UnitKind.BRANCH, tree["committee"], name=f"新增第{n}党支部")
        make_unit(UnitKind.GROUP, branch, name=f"新增第{n}党小组")
        make_person(branch)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("org:tree"))
    assert len(large) == len(small)


# --- the owner's writes ---------------------------------------------------------------------------

def test_unit_detail_shows_officers_and_warnings(client_for, tree, staff, officer):
    response = client_for(staff).get(url_for("unit", tree))
    content = response.content.decode()
    assert officer.person.name in content
    assert "宣传委员" in content
    assert "组织设置提示" in content  # < 3 正式党员


def test_owner_creates_group(client_for, tree, owner):
    response = client_for(owner).post(url_for("group_create", tree), {
        "code": "G900", "name": "第二党小组", "kind": "group", "founded_on": "2025-03-01"})
    unit = OrgUnit.objects.get(code="G900")
    assert response.status_code == 302
    assert response.url == reverse("org:unit", args=[unit.pk])
    assert unit.parent == tree["branch_a"]
    assert unit.kind == UnitKind.GROUP
    assert unit.path == f"{tree['branch_a'].path}{unit.pk}/"
    assert unit.history.first().history_user == owner


def test_owner_cannot_create_branch_under_committee(client_for, tree, owner):
    response = client_for(owner).post(reverse("org:unit_create", args=[tree["committee"].pk]), {
        "code": "B900", "name": "第九党支部", "kind": "branch"})
    assert response.status_code == 404  # the committee itself lies outside a secretary's scope
    assert not OrgUnit.objects.filter(code="B900").exists()


def test_owner_cannot_create_branch_under_own_branch(client_for, tree, owner):
    response = client_for(owner).post(reverse("org:unit_create", args=[tree["branch_a"].pk]), {
        "code": "B901", "name": "党支部", "kind": "branch"})
    assert response.status_code == 403
    assert not OrgUnit.objects.filter(code="B901").exists()


def test_staff_creates_branch_under_committee(client_for, tree, staff):
    url = reverse("org:unit_create", args=[tree["committee"].pk])
    assert client_for(staff).get(url).status_code == 200
    response = client_for(staff).post(url, {"code": "B900", "name": "第九党支部", "kind": "branch"})
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="B900")
    assert (unit.parent, unit.kind) == (tree["committee"], UnitKind.BRANCH)


def test_unit_create_duplicate_code_rerenders(client_for, tree, owner):
    response = client_for(owner).post(url_for("group_create", tree), {
        "code": tree["branch_b"].code, "name": "重复编码小组", "kind": "group"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "已存在" in content
    assert "重复编码小组" in content  # what was typed is kept
    assert not OrgUnit.objects.filter(name="重复编码小组").exists()


def test_owner_edits_branch(client_for, tree, owner):
    response = client_for(owner).post(url_for("unit_edit", tree), {
        "code": "A-NEW", "name": "第一党支部（改）", "kind": "branch", "founded_on": "2001-07-01",
        "is_community": "on"})
    assert response.status_code == 302
    unit = OrgUnit.objects.get(pk=tree["branch_a"].pk)
    assert (unit.code, unit.name, unit.founded_on, unit.is_community) == (
        "A-NEW", "第一党支部（改）", dt.date(2001, 7, 1), True)
    assert unit.kind == UnitKind.BRANCH
    assert unit.path == tree["branch_a"].path


def test_unit_edit_bad_input_rerenders(client_for, tree, owner):
    response = client_for(owner).post(url_for("unit_edit", tree), {
        "code": "", "name": "新名字", "kind": "branch", "founded_on": "2001-13-45"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "这个字段是必填项" in content
    assert "新名字" in content
    assert OrgUnit.objects.get(pk=tree["branch_a"].pk).name == "第一党支部"


def test_staff_edits_committee(client_for, tree, staff):
    response = client_for(staff).post(reverse("org:unit_edit", args=[tree["committee"].pk]), {
        "code": "C-1", "name": "机关党委", "kind": "committee"})
    assert response.status_code == 302
    assert OrgUnit.objects.get(pk=tree["committee"].pk).name == "机关党委"


def test_archive_refused_while_members_remain(client_for, tree, owner):
    make_person(tree["branch_a"], group=tree["group_a"])
    response = client_for(owner).post(url_for("group_archive", tree), {"archived_on": "2026-01-01",
                                                                       "reason": "合并"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "该组织还有在册人员" in content
    assert "合并" in content
    assert OrgUnit.objects.get(pk=tree["group_a"].pk).archived_on is None


def test_archive_branch_with_children_refused(client_for, tree, staff):
    response = client_for(staff).post(reverse("org:unit_archive", args=[tree["branch_a"].pk]),
                                      {"archived_on": "2026-01-01", "reason": "合并"})
    assert response.status_code == 200
    assert "下级组织" in response.content.decode()
    assert OrgUnit.objects.get(pk=tree["branch_a"].pk).archived_on is None


def test_owner_archives_empty_group(client_for, tree, owner):
    response = client_for(owner).post(url_for("group_archive", tree), {"archived_on": "2026-01-01",
                                                                       "reason": "合并"})
    assert response.status_code == 302
    group = OrgUnit.objects.get(pk=tree["group_a"].pk)
    assert (group.archived_on, group.archive_reason) == (dt.date(2026, 1, 1), "合并")


def test_owner_appoints_and_ends_officer(client_for, tree, owner):
    person = make_person(tree["branch_a"])
    client = client_for(owner)
    response = client.post(url_for("officer_add", tree), {
        "person": person.pk, "role": OfficerRole.SECRETARY, "started_on": "2025-01-01"})
    assert response.status_code == 302
    officer = Officer.objects.get(unit=tree["branch_a"], person=person)
    assert (officer.role, officer.started_on, officer.ended_on) == (OfficerRole.SECRETARY, dt.date(2025, 1, 1), None)
    response = client.post(reverse("org:officer_end", args=[tree["branch_a"].pk, officer.pk]), {
        "ended_on": "2025-06-30", "reason": "调离"})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert (officer.ended_on, officer.end_reason) == (dt.date(2025, 6, 30), "调离")


def test_officer_add_refuses_applicant_and_keeps_input(client_for, tree, owner):
    applicant = make_person(tree["branch_a"], status=Status.APPLICANT)
    response = client_for(owner).post(url_for("officer_add", tree), {
        "person": applicant.pk, "role": OfficerRole.SECRETARY, "started_on": "2025-01-01"})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()  # only party members are offered
    assert not Officer.objects.exists()


def test_officer_end_before_start_is_refused(client_for, tree, owner, officer):
    response = client_for(owner).post(url_for("officer_end", tree, officer), {"ended_on": "2020-01-01"})
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.ended_on is None


def test_officer_of_another_unit_is_404(client_for, tree, owner):
    other = Officer.objects.create(unit=tree["branch_b"], person=make_person(tree["branch_b"]),
                                   role=OfficerRole.SECRETARY, started_on=dt.date(2024, 1, 1))
    response = client_for(owner).get(reverse("org:officer_end", args=[tree["branch_a"].pk, other.pk]))
    assert response.status_code == 404


def test_owner_records_term(client_for, tree, owner):
    response = client_for(owner).post(url_for("term_add", tree), {"started_on": "2025-04-01", "note": "第三届"})
    assert response.status_code == 302
    term = Term.objects.get(unit=tree["branch_a"])
    assert (term.started_on, term.ends_on, term.note) == (dt.date(2025, 4, 1), dt.date(2028, 4, 1), "第三届")


def test_term_for_group_is_refused(client_for, tree, owner):
    response = client_for(owner).post(reverse("org:term_add", args=[tree["group_a"].pk]),
                                      {"started_on": "2025-04-01"})
    assert response.status_code == 200
    assert "党小组不实行换届" in response.content.decode()
    assert not Term.objects.exists()


def test_notifications_read(client_for, owner, outsider):
    Notification.objects.create(user=owner, key="a", title="换届提醒")
    Notification.objects.create(user=owner, key="b", title="发展提醒")
    theirs = Notification.objects.create(user=outsider, key="a", title="别人的提醒")
    client = client_for(owner)
    page = client.get(reverse("org:notifications")).content.decode()
    assert "换届提醒" in page
    assert "别人的提醒" not in page
    response = client.post(reverse("org:notifications_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- browser imports ------------------------------------------------------------------------------

MEMBER_HEADER = ["姓名*", "公民身份号码*", "人员类别*", "所在党组织编码*", "党小组编码", "申请入党日期",
                 "确定积极分子日期", "确定发展对象日期", "接收预备党员日期", "转正日期"]


def workbook(rows, header=MEMBER_HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def full_member_row(name, unit, group=None, number=None):
    return [name, number or id_number(dt.date(1985, 3, 4)), "正式党员", unit.code, group.code if group else None,
            "2008-01-10", "2008-06-01", "2009-07-01", "2009-11-01", "2010-11-01"]


def upload(client, content, name="名册.xlsx"):
    with jobs_run_on_commit():
        return client.post(reverse("reports:import_upload", args=["members"]),
                           {"file": SimpleUploadedFile(name, content, content_type=XLSX)})


def confirm(client, batch):
    with jobs_run_on_commit():
        return client.post(reverse("reports:import_confirm", args=[batch.pk]))


def test_import_template_download(client_for, owner):
    response = client_for(owner).get(reverse("reports:import_template", args=["members"]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%85%9A%E5%91%98%E5%90%8D%E5%86%8C_%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx")
    headers = [cell.value for cell in next(load_workbook(BytesIO(response.content)).worksheets[0].iter_rows())]
    assert "公民身份号码*" in headers
    assert "所在党组织编码*" in headers


def test_import_unknown_kind_is_404(client_for, owner):
    assert client_for(owner).get(reverse("reports:import_upload", args=["nonsense"])).status_code == 404


def test_import_valid_workbook_preview_then_confirm(client_for, tree, owner):
    client = client_for(owner)
    content = workbook([full_member_row("张三丰", tree["branch_a"], tree["group_a"]),
                        full_member_row("李四光", tree["branch_a"])])
    response = upload(client, content)
    batch = ImportBatch.objects.get(user=owner)
    assert response.status_code == 302
    assert response.url == reverse("reports:import_preview", args=[batch.pk])
    assert batch.state == ImportBatch.State.PREVIEW
    assert not Person.objects.exists()  # preview writes nothing
    preview = client.get(response.url).content.decode()
    assert "将新增2条" in preview
    assert "确认导入" in preview

    response = confirm(client, batch)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED
    assert batch.applied_at is not None
    assert set(Person.objects.values_list("name", flat=True)) == {"张三丰", "李四光"}
    zhang = Membership.objects.get(person__name="张三丰", ended_on__isnull=True)
    assert (zhang.unit, zhang.group) == (tree["branch_a"], tree["group_a"])

    # A second confirm is refused: nothing is imported twice.
    confirm(client, batch)
    assert Person.objects.count() == 2


def test_import_bad_workbook_lists_every_problem(client_for, tree, owner):
    client = client_for(owner)
    good = full_member_row("王五", tree["branch_a"])
    bad_id = full_member_row("赵六", tree["branch_a"], number="110101198503040000")
    no_name = full_member_row(None, tree["branch_a"])
    other_branch = full_member_row("钱七", tree["branch_b"])
    content = workbook([good, bad_id, no_name, other_branch])
    response = upload(client, content)
    batch = ImportBatch.objects.get(user=owner)
    assert batch.state == ImportBatch.State.REFUSED
    page = client.get(response.url).content.decode()
    assert "未通过校验，未写入任何数据" in page
    expected = ["第3行 公民身份号码：", "第4行 姓名：必填", "第5行 所在党组织编码："]
    for prefix in expected:
        assert any(line.startswith(prefix) for line in batch.problems), (prefix, batch.problems)
        assert prefix in page
    assert len(batch.problems) == 3
    assert not Person.objects.exists()


def test_import_not_a_workbook_is_refused(client_for, owner):
    client = client_for(owner)
    response = upload(client, b"this is not excel")
    assert response.status_code == 302
    batch = ImportBatch.objects.get(user=owner)
    assert batch.state == ImportBatch.State.REFUSED
    assert "Excel" in batch.problems[0]


def test_import_wrong_extension_rerenders(client_for, owner):
    response = upload(client_for(owner), b"a,b\n", name="名册.csv")
    assert response.status_code == 200
    assert ".xlsx" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_import_batch_of_another_user_is_404(client_for, tree, owner, outsider):
    content = workbook([full_member_row("张三丰", tree["branch_a"])])
    upload(client_for(owner), content)
    batch = ImportBatch.objects.get(user=owner)
    other = client_for(outsider)
    assert other.get(reverse("reports:import_preview", args=[batch.pk])).status_code == 404
    assert other.post(reverse("reports:import_confirm", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PREVIEW
    assert not Person.objects.exists()


def test_import_refused_at_confirm_if_data_changed(client_for, tree, owner):
    client = client_for(owner)
    row = full_member_row("张三丰", tree["branch_a"])
    upload(client, workbook([row]))
    batch = ImportBatch.objects.get(user=owner)
    make_person(tree["branch_b"], id_number=row[1], name="别处的人")  # arrived meanwhile elsewhere
    confirm(client, batch)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.REFUSED
    assert any("第2行 所在党组织编码" in line for line in batch.problems)
    assert Person.objects.count() == 1


def test_staff_may_import_orgs_but_not_members(client_for, staff):
    client = client_for(staff)
    assert client.get(reverse("reports:import_upload", args=["orgs"])).status_code == 200
    assert client.get(reverse("reports:import_upload", args=["members"])).status_code == 403


def test_home_for_user_without_roles(client_for, db):
    user = make_user(None, username="nobody")
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200


def test_archived_unit_detail_still_visible(client_for, tree, owner):
    group = make_unit(UnitKind.GROUP, tree["branch_a"], name="旧党小组")
    client = client_for(owner)
    client.post(reverse("org:unit_archive", args=[group.pk]), {"archived_on": today().isoformat(),
                                                                   "reason": "合并"})
    response = client.get(reverse("org:unit", args=[group.pk]))
    assert response.status_code == 200
    assert "撤销" in response.content.decode()


@pytest.mark.parametrize("view", ["tree", "unit"])
def test_tree_query_count_does_not_grow(client_for, tree, staff, view):
    client = client_for(staff)
    url = url_for(view, tree) if view == "tree" else reverse("org:unit", args=[tree["committee"].pk])

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        make_person(tree["branch_a"], group=tree["group_a"])
    small = count_queries()
    for index in range(6):
        branch = make_unit(UnitKind.BRANCH, tree["committee"])
        make_unit(UnitKind.GROUP, branch)
        Officer.objects.create(unit=branch, person=make_person(branch), role=OfficerRole.SECRETARY,
                               started_on=dt.date(2024, 1, 1))
        Term.objects.create(unit=branch, started_on=dt.date(2023, 1, 1), ends_on=dt.date(2026, 1, 1 + index))
    for _ in range(30):
        make_person(tree["branch_b"])
    assert count_queries() == small


def test_unit_create_with_kind_not_allowed_under_parent_rerenders(client_for, tree, staff):
    """Staff may add under a branch only what a branch may hold; a forged 类型 is a form error."""
    response = client_for(staff).post(reverse("org:unit_create", args=[tree["branch_a"].pk]), {
        "code": "B902", "name": "伪造类型", "kind": "branch"})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not OrgUnit.objects.filter(code="B902").exists()


@pytest.mark.parametrize(("who", "unit_key", "shown"), [
    ("owner", "group_a", True),  # a branch sets up and closes its own 党小组
    ("owner", "branch_a", False),  # but only the committee closes a branch
    ("staff", "committee", False),  # the top of the tree cannot be closed
])
def test_archive_link_only_for_those_allowed(client_for, tree, users, who, unit_key, shown):
    unit = tree[unit_key]
    content = client_for(users[who]).get(reverse("org:unit_edit", args=[unit.pk])).content.decode()
    assert (reverse("org:unit_archive", args=[unit.pk]) in content) is shown


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_read_only_accounts_cannot_upload_members(client_for, tree, users, role):
    content = workbook([full_member_row("张三丰", tree["branch_a"])])
    response = upload(client_for(users[role]), content)
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()
    assert not Person.objects.exists()


def test_browser_imports_a_roster_of_a_thousand(client_for, tree, owner):
    client = client_for(owner)
    rows = [full_member_row(f"成员{i:04d}", tree["branch_a"], number=id_number(dt.date(1970, 1, 1) + dt.timedelta(days=i)))
            for i in range(1000)]
    response = upload(client, workbook(rows))
    batch = ImportBatch.objects.get(user=owner)
    assert batch.state == ImportBatch.State.PREVIEW, batch.problems[:3]
    assert "将新增1000条" in client.get(response.url).content.decode()
    confirm(client, batch)
    assert Membership.objects.filter(unit=tree["branch_a"], ended_on__isnull=True).count() == 1000
