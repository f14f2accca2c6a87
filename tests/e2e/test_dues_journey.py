"""Browser journey: a secretary runs the month's dues sheet, records payments, sees arrears, then
scores the month's points and publishes them (Debian chromium through Playwright)."""

from __future__ import annotations

import pytest

from branches.models import RoleKind, today
from branches.periods import Period
from dues import services
from dues.models import Payment, PointsSheet
from tests.dues.helpers import member
from tests.factories import make_tree, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def browser_page(page):
    """The shared chromium page of tests/e2e/conftest.py (one Playwright per test session)."""
    return page


def test_secretary_dues_and_points_journey(live_server, browser_page, tmp_path):
    tree = make_tree()
    branch = tree["branch_a"]
    make_user(branch, RoleKind.SECRETARY, username="shuji", password="pass-1234")
    people = [member(branch, base=base) for base in ("3000", "5100", "10000.01", "4900")]
    this = Period.month_of(today())
    for back in range(4, 0, -1):  # four earlier months, left unpaid by the last member
        month = this
        for _ in range(back):
            month = month.previous()
        services.dues_generate(actor=None, month=month.start)
        for person in people[:3]:
            services.payments_record(actor=None, person=person, months=[month.start], paid_on=month.end)
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "shuji")
    page.fill("input[name=password]", "pass-1234")
    page.click("button[type=submit]")

    # the month's sheet: generate the amounts due, tick everyone, record
    page.goto(f"{live_server.url}/dues/unit/{branch.pk}/sheet/{this}/")
    page.get_by_role("button", name="生成本月应缴").click()
    page.wait_for_selector("text=新增应缴4条")
    assert page.input_value(f"input[name=amount_{people[1].pk}]") == "76.50"
    assert page.input_value(f"input[name=amount_{people[2].pk}]") == "200.00"
    page.check("[data-tick-all]")
    assert page.text_content("[data-sheet-total]") == "340.50"  # 15 + 76.50 + 200 + 49
    page.screenshot(path=str(tmp_path / "sheet.png"), full_page=True)
    page.get_by_role("button", name="登记勾选人员已缴").click()
    page.wait_for_selector("text=已登记4人缴纳党费，共340.50元")
    assert Payment.objects.filter(month=this.start).count() == 4

    # arrears: the fourth member owes the four earlier months
    page.get_by_role("link", name="欠缴", exact=True).first.click()
    page.wait_for_selector("text=欠缴3个月以上")
    assert people[3].name in page.text_content("table")
    page.screenshot(path=str(tmp_path / "arrears.png"), full_page=True)

    # points for last month: start, add a manual item, review, publish
    last = this.previous()
    page.goto(f"{live_server.url}/dues/unit/{branch.pk}/points/{last}/")
    page.get_by_role("button", name="开始评定并计算自动项目").click()
    page.wait_for_selector("text=已计算自动项目")
    assert "逾期缴纳党费" in page.text_content("table")  # the member who did not pay
    page.select_option("select[name=person]", str(people[0].pk))
    page.select_option("select[name=item]", label="志愿服务（2.0）")
    page.fill("input[name=note]", "参加社区志愿服务")
    page.get_by_role("button", name="记入").click()
    page.wait_for_selector("text=已为")
    page.get_by_role("button", name="结束自评，进入支部评定").click()
    page.wait_for_selector("text=已进入支部评定")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="评定完成，公示5个工作日").click()
    page.wait_for_selector("text=已公示")
    page.get_by_role("link", name="公示页").click()
    page.wait_for_selector("text=党员积分公示")
    assert "志愿服务" in page.text_content("table")
    page.screenshot(path=str(tmp_path / "public.png"), full_page=True)
    assert PointsSheet.objects.get(unit=branch, month=last.start).state == "public"
