"""The menu reaches every page a role may use: 工作报告, 工作要点, each import the account may run,
the 三会一课 pages; and every link in it opens for that account."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

NAV = re.compile(r'<nav class="navbar.*?</nav>', re.S)


def menu_links(client) -> dict[str, str]:
    html = NAV.search(client.get(reverse("home")).content.decode()).group(0)
    pattern = r'<a class="(?:nav-link|dropdown-item)[^"]*" href="([^"#]+)"[^>]*>([^<]+)</a>'
    return {label.strip(): href for href, label in re.findall(pattern, html)}


@pytest.mark.clock("2026-12-05")
@pytest.mark.parametrize("role", ["owner", "staff", "readonly"])
def test_the_menu_reaches_reports_plans_and_imports(client_for, owner, staff, viewer, role):
    user = {"owner": owner, "staff": staff, "readonly": viewer}[role]
    client = client_for(user)
    links = menu_links(client)
    for label in ("落实情况", "会议台账", "会议日历", "谈心谈话", "规定与频次", "季度考评", "工作报告", "工作要点", "下载"):
        assert label in links, (role, label, links)
    imports = {label for label in links if label in ("党员名册", "党组织", "会议及出勤", "党费缴纳")}
    expected = {"owner": {"党员名册", "党组织", "会议及出勤", "党费缴纳"}, "staff": {"党组织"}, "readonly": set()}[role]
    assert imports == expected
    for label, href in links.items():
        response = client.get(href, follow=True)
        assert response.status_code == 200, (role, label, href, response.status_code)


@pytest.mark.clock("2026-12-05")
def test_the_plan_menu_opens_this_years_list_of_the_users_unit(client_for, tree, owner):
    response = client_for(owner).get(reverse("reports:plan_index"))
    assert response.status_code == 302
    assert response.url == reverse("reports:work_plan", args=[tree["branch_a"].pk, 2026])


def test_every_page_has_the_portals_icon(client_for, owner, client):
    login_page = client.get(reverse("login"))
    for response in (login_page, client_for(owner).get(reverse("home"))):
        assert '<link rel="icon" href="/static/favicon.svg"' in response.content.decode()
