"""Browser journey: a secretary logs a 党员大会 with attendance and a vote, confirms it, sees the
quarter's compliance change; committee staff open the grid and drill down to it."""

from __future__ import annotations

import re

import pytest

from branches.models import RoleKind, today
from meetings.models import Attendance, Meeting, MeetingStatus, Vote
from tests.factories import make_person, make_tree, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def browser(chromium_browser, live_server):
    """The session's chromium (tests/e2e/conftest.py). The live server's transactional tests flush
    the database; make sure the rule rows the data migration seeded are there (idempotent)."""
    from importlib import import_module

    from django.apps import apps

    import_module("meetings.migrations.0002_seed_compliance_rules").seed(apps, None)
    return chromium_browser


def login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(?!login).*"))


def test_secretary_records_a_general_meeting_and_staff_drill_down(live_server, browser):
    tree = make_tree()
    branch = tree["branch_a"]
    people = [make_person(branch) for _ in range(6)]
    make_user(branch, RoleKind.SECRETARY, username="shuji", first_name="书记")
    make_user(tree["committee"], RoleKind.STAFF, username="dangwei", first_name="党委")
    base = live_server.url

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # on a phone
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, base, "shuji")

    # The branch's compliance: this quarter's 党员大会 is still due.
    page.goto(f"{base}/meetings/compliance/?unit={branch.pk}")
    quarter_card = page.locator(".card", has_text="季度").filter(has=page.locator("table")).first
    row = quarter_card.locator("tr", has_text="党员大会")
    assert "进行中" in row.inner_text()

    # Record the meeting.
    page.click("text=录入会议")
    page.select_option("select[name=kind]", "general")
    page.fill("input[name=topic]", "讨论接收预备党员")
    page.fill("input[name=place]", "三楼会议室")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/attendance/$"))
    meeting = Meeting.objects.get(topic="讨论接收预备党员")
    assert page.locator("#attendance-counts").inner_text().startswith("应到 6 人")

    # Everyone is present by default: two clicks for the exceptions.
    page.fill(f"#reason-{people[0].pk}", "出差")
    page.click(f"[data-testid=att-{people[0].pk}-leave]")
    page.locator(f"#row-{people[0].pk}.table-warning").wait_for()
    page.click(f"[data-testid=att-{people[1].pk}-absent]")
    page.locator(f"#row-{people[1].pk}.table-danger").wait_for()
    assert "出席 4" in page.locator("#attendance-counts").inner_text()
    assert Attendance.objects.get(meeting=meeting, person=people[0]).reason == "出差"

    # A vote: 4 of 6 present, 4 for → passes (more than half of the entitled).
    page.click("text=完成，返回会议")
    page.click("text=记录表决")
    page.select_option("select[name=motion_kind]", "other")  # 接收预备党员 needs a 发展对象 (tests/meetings)
    page.fill("input[name=motion]", "通过支部年度工作计划")
    page.fill("input[name=votes_for]", "4")
    page.select_option("select[name=declared_passed]", "1")
    page.click("button:has-text('记录表决')")
    page.wait_for_url(re.compile(rf".*/meetings/{meeting.pk}/$"))
    vote = Vote.objects.get(meeting=meeting)
    assert (vote.entitled, vote.present, vote.passed) == (6, 4, True)

    # Confirm (locks the record) and see the quarter's compliance change.
    page.click("button:has-text('确认并锁定')")
    page.locator("text=已确认").first.wait_for()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CONFIRMED
    page.goto(f"{base}/meetings/compliance/?unit={branch.pk}")
    quarter_card = page.locator(".card", has_text="季度").filter(has=page.locator("table")).first
    assert "已完成" in quarter_card.locator("tr", has_text="党员大会").inner_text()
    assert not errors, errors
    context.close()

    # Committee staff: the grid, then drill down to the meeting behind the cell.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, base, "dangwei")
    page.goto(f"{base}/meetings/")
    assert "组织生活" in page.locator("h1").inner_text()
    row = page.locator("tr", has_text=branch.name)
    column = [h.strip() for h in page.locator("thead th").all_inner_texts()].index("党员大会")
    cell = row.locator("td, th").nth(column)
    assert cell.inner_text().strip() == "1/1"
    cell.locator("a").click()
    page.locator("text=讨论接收预备党员").first.click()
    page.wait_for_url(re.compile(rf".*/meetings/{meeting.pk}/$"))
    assert "应到" in page.content() and today().strftime("%Y") in page.content()
    context.close()
