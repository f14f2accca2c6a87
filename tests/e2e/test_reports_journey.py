"""Committee staff publish a quarter's scorecards; a secretary edits a half-year report's
narrative, generates the Word file with the progress bar, and downloads it."""

import pytest
from django.urls import reverse

from branches.models import RoleKind
from reports.models import Job, Scorecard
from tests.factories import make_person, make_tree, make_user

pytestmark = pytest.mark.e2e


def test_publish_scorecards_and_generate_a_report(page, login, shot):
    tree = make_tree()
    for _ in range(3):
        make_person(tree["branch_a"])
    make_person(tree["branch_b"])
    make_user(tree["committee"], RoleKind.STAFF, username="dangwei")
    make_user(tree["branch_a"], RoleKind.SECRETARY, username="shuji")

    login("dangwei")
    page.goto(f"{reverse('reports:scorecards')}?unit={tree['committee'].pk}&period=2026Q1")
    page.get_by_role("link", name="第一党支部").click()
    for name in ("第一党支部", "第二党支部"):
        page.goto(f"{reverse('reports:scorecards')}?unit={tree['committee'].pk}&period=2026Q1")
        page.get_by_role("link", name=name).click()
        page.get_by_label("评语").fill("阵地建设规范")
        page.locator("input[name=points]").fill("9")
        page.get_by_role("button", name="保存").click()
        page.get_by_text("已保存").wait_for()
    page.goto(f"{reverse('reports:scorecards')}?unit={tree['committee'].pk}&period=2026Q1")
    page.get_by_role("button", name="发布2026年第一季度考核结果").click()
    page.get_by_text("已发布2026年第一季度2个党支部的考核结果").wait_for()
    shot("reports-scorecards-published")
    assert Scorecard.objects.filter(period="2026Q1").count() == 2
    page.context.clear_cookies()  # next person at the same browser

    login("shuji")
    page.goto(reverse("reports:scorecard", args=[tree["branch_a"].pk, "2026Q1"]))
    page.get_by_text("阵地建设规范").wait_for()
    assert "第二党支部" not in page.content()
    page.goto(reverse("reports:work_report", args=[tree["branch_a"].pk, "2026H1"]))
    page.get_by_label("主要成效").fill("支部按月开展主题党日，党员参与度明显提高。")
    page.get_by_role("button", name="保存文稿").click()
    page.get_by_text("文稿已保存").wait_for()
    shot("reports-work-report-editor")
    page.get_by_role("button", name="生成Word文档").click()
    page.locator("#job-status").get_by_role("link", name="下载").wait_for()
    shot("reports-job-done")
    with page.expect_download() as download:
        page.locator("#job-status").get_by_role("link", name="下载").click()
    assert download.value.suggested_filename.endswith("2026年上半年党建工作总结.docx")
    assert Job.objects.get().state == Job.State.DONE
