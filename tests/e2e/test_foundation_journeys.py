"""Browser journeys over the foundation: a secretary's transfer out, committee staff browsing the
tree, and a roster import through upload → preview → confirm."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from openpyxl import Workbook
from playwright.sync_api import expect

from branches.models import Officer, OfficerRole
from members.models import EventKind, MemberEvent, Membership, Person
from tests.factories import id_number, make_person

pytestmark = pytest.mark.e2e


def test_secretary_finds_member_and_transfers_them_out(page, login, shot, tree, owner):
    member = make_person(tree["branch_a"], group=tree["group_a"], name="张建国")
    make_person(tree["branch_a"], name="王小明")
    make_person(tree["branch_a"], name="赵建设")

    login("owner")
    shot("a1_secretary_home")
    page.get_by_role("link", name="党员", exact=True).click()
    expect(page.get_by_role("heading", name="党员名册")).to_be_visible()
    roster = page.locator("#roster")
    expect(roster).to_contain_text("王小明")

    page.get_by_label("搜索").press_sequentially("zjg", delay=50)  # pinyin initials of 张建国
    expect(roster).not_to_contain_text("王小明")
    expect(roster).not_to_contain_text("赵建设")
    expect(roster).to_contain_text("共 1 人")
    assert "q=zjg" in page.url  # the search is in the address, so it survives a reload
    shot("a2_roster_search")

    roster.get_by_role("link", name="张建国").click()
    expect(page.get_by_role("heading", name=re.compile("张建国"))).to_be_visible()
    expect(page.locator("body")).to_contain_text(member.id_number)  # the secretary sees it in full
    shot("a3_member_detail")

    page.get_by_role("link", name="组织关系转出").click()
    page.get_by_label("系统外接收党组织").fill("某市交通运输局机关党支部")
    page.get_by_label("介绍信编号").fill("组转〔2026〕18号")
    page.get_by_label("说明").fill("工作调动")
    shot("a4_transfer_out_form")
    page.get_by_role("button", name="保存").click()

    expect(page.locator(".alert-success")).to_contain_text("已办理张建国的组织关系转出")
    expect(page.get_by_role("heading", name=re.compile("张建国"))).to_contain_text("不在册")
    body = page.locator("body")
    expect(body).to_contain_text("组织关系转出")
    expect(body).to_contain_text("某市交通运输局机关党支部")
    expect(body).to_contain_text("组转〔2026〕18号")
    shot("a5_member_after_transfer")

    assert not Membership.objects.filter(person=member, ended_on__isnull=True).exists()
    event = MemberEvent.objects.get(person=member, kind=EventKind.TRANSFER_OUT)
    assert (event.external_org, event.recorded_by_id) == ("某市交通运输局机关党支部", owner.pk)

    # Off the roster now, back with "含已转出/离开".
    page.get_by_role("link", name="党员", exact=True).click()
    expect(page.locator("#roster")).not_to_contain_text("张建国")
    page.get_by_label("含已转出/离开").check()
    expect(page.locator("#roster")).to_contain_text("张建国")

    page.get_by_role("button", name="owner").click()  # the account menu
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.goto("/members/")
    assert "/login/" in page.url


def test_a_large_tree_unfolds_level_by_level(page, login, shot, tree, staff, monkeypatch):
    from members import org_views as views

    monkeypatch.setattr(views, "FULL_TREE_UNITS", 3)  # the live server runs in this process
    login("staff")
    page.get_by_role("link", name="组织", exact=True).click()
    tree_box = page.locator(".tree")
    expect(tree_box.get_by_role("link", name=tree["branch_a"].name)).to_be_visible()
    expect(tree_box.get_by_role("link", name=tree["group_a"].name)).to_have_count(0)
    unfold = tree_box.get_by_role("link", name="展开1个下级组织")
    unfold.click()
    expect(tree_box.get_by_role("link", name=tree["group_a"].name)).to_be_visible()
    expect(unfold).to_have_count(0)  # the link goes once its children are shown
    expect(tree_box.get_by_role("link", name=tree["group_a"].name)).to_have_count(1)
    shot("b0_org_tree_unfolded")


def test_committee_staff_browses_the_tree(page, login, shot, tree, staff):
    secretary = make_person(tree["branch_a"], name="周书记")
    make_person(tree["branch_a"], name="吴党员")
    Officer.objects.create(unit=tree["branch_a"], person=secretary, role=OfficerRole.SECRETARY,
                           started_on=dt.date(2024, 3, 1))
    outsider_member = make_person(tree["branch_b"], name="郑外支")

    login("staff")
    shot("b1_staff_home")
    page.get_by_role("link", name="组织", exact=True).click()
    expect(page.get_by_role("heading", name="组织体系")).to_be_visible()
    tree_box = page.locator(".tree")
    for key in ("committee", "branch_a", "branch_b", "group_a"):
        expect(tree_box.get_by_role("link", name=tree[key].name)).to_be_visible()
    shot("b2_org_tree")

    page.get_by_label("查找组织").fill("第二")  # found on the server as one types (htmx)
    expect(tree_box.get_by_role("link", name=tree["branch_b"].name)).to_be_visible()
    expect(tree_box.get_by_role("link", name=tree["committee"].name)).to_be_visible()  # ancestors stay
    expect(tree_box.get_by_role("link", name=tree["branch_a"].name)).to_be_hidden()
    expect(tree_box.get_by_role("link", name=tree["group_a"].name)).to_be_hidden()
    shot("b3_org_tree_filtered")
    assert "q=" in page.url  # the search is in the address
    page.get_by_label("查找组织").fill(tree["branch_a"].code)
    expect(tree_box.get_by_role("link", name=tree["branch_a"].name)).to_be_visible()
    expect(tree_box.get_by_role("link", name=tree["branch_b"].name)).to_be_hidden()

    tree_box.get_by_role("link", name=tree["branch_a"].name).click()
    expect(page.get_by_role("heading", name=re.compile(tree["branch_a"].name))).to_be_visible()
    body = page.locator("body")
    expect(body).to_contain_text("委员会成员")
    expect(page.get_by_role("row", name=re.compile("书记.*周书记"))).to_be_visible()
    expect(page.locator(".alert-warning")).to_contain_text("组织设置提示")  # fewer than 3 正式党员
    expect(page.get_by_role("link", name="编辑")).to_have_count(0)  # staff change no branch record
    shot("b4_unit_detail")

    # Staff read every branch's members, with the 公民身份号码 masked.
    page.goto(f"/members/{outsider_member.pk}/")
    expect(page.get_by_role("heading", name=re.compile("郑外支"))).to_be_visible()
    expect(body).not_to_contain_text(outsider_member.id_number)
    expect(body).to_contain_text(outsider_member.id_number[:6] + "********" + outsider_member.id_number[-4:])


def roster_workbook(path, tree):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名*", "公民身份号码*", "人员类别*", "所在党组织编码*", "党小组编码", "申请入党日期",
                  "确定积极分子日期", "确定发展对象日期", "接收预备党员日期", "转正日期", "工作岗位"])
    people = [("孙立新", "正式党员", tree["group_a"].code), ("钱晓红", "正式党员", None), ("冯志远", "申请人", None)]
    for index, (name, status, group) in enumerate(people):
        dates = (["2008-01-10", "2008-06-01", "2009-07-01", "2009-11-01", "2010-11-01"] if status == "正式党员"
                 else ["2025-03-01", None, None, None, None])
        sheet.append([name, id_number(dt.date(1988, 4, 1 + index), male=index % 2 == 0), status,
                      tree["branch_a"].code, group, *dates, "科员"])
    book.save(path)
    return [name for name, _, _ in people]


def test_secretary_imports_roster_in_the_browser(page, login, shot, tree, owner, tmp_path):
    good = tmp_path / "第一党支部名册.xlsx"
    names = roster_workbook(good, tree)
    bad = tmp_path / "有错误的名册.xlsx"
    book = Workbook()
    book.active.append(["姓名*", "公民身份号码*", "人员类别*", "所在党组织编码*"])
    book.active.append(["错号码", "110101198801010001", "正式党员", tree["branch_a"].code])
    book.active.append(["", id_number(dt.date(1990, 1, 1)), "党员", "NOPE"])
    book.save(bad)

    login("owner")
    page.get_by_role("button", name="导入", exact=True).click()  # the menu of what the account may import
    page.get_by_role("link", name="党员名册", exact=True).click()
    expect(page.get_by_role("heading", name="批量导入")).to_be_visible()
    shot("c1_import_page")

    # A bad file first: refused, every problem listed by row and column, nothing written.
    page.get_by_label("Excel 工作簿（.xlsx）").set_input_files(str(bad))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator(".alert-danger")).to_contain_text("未通过校验，未写入任何数据")
    problems = page.locator(".problem-list li")
    expect(problems.first).to_contain_text("第2行 公民身份号码：")
    expect(page.locator(".problem-list")).to_contain_text("第3行 姓名：必填")
    expect(page.locator(".problem-list")).to_contain_text("第3行 人员类别：")
    expect(page.locator(".problem-list")).to_contain_text("第3行 所在党组织编码：")
    shot("c2_import_refused")
    assert not Person.objects.exists()

    page.get_by_role("link", name="重新上传").click()
    page.get_by_label("Excel 工作簿（.xlsx）").set_input_files(str(good))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator(".alert-success")).to_contain_text("校验通过：将新增3条")
    shot("c3_import_preview")
    assert not Person.objects.exists()

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".alert-info")).to_contain_text("已新增3条")
    shot("c4_import_applied")
    page.get_by_role("link", name="查看名册").click()
    roster = page.locator("#roster")
    for name in names:
        expect(roster.get_by_role("link", name=name)).to_be_visible()
    shot("c5_roster_after_import")
    assert set(Person.objects.values_list("name", flat=True)) == set(names)


def test_the_import_page_follows_a_check_running_in_the_background(page, login, shot, tree, owner):
    """With a real broker the check runs in a worker while the page asks every second; here the
    test plays the worker, so the page has to notice by itself."""
    from reports.tasks import run_import_job
    from tests.reports.test_import_jobs import kept, roster

    batch = kept(owner, roster(tree))
    login("owner")
    page.goto(reverse("reports:import_preview", args=[batch.pk]))
    expect(page.locator("#import-state")).to_contain_text("正在逐行校验")
    expect(page.get_by_role("progressbar")).to_be_visible()
    shot("c6_import_checking")

    run_import_job(str(batch.job_id))
    expect(page.locator(".alert-success")).to_contain_text("校验通过：将新增2条")  # no reload
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".alert-info")).to_contain_text("已新增2条")
    assert Person.objects.count() == 2
