"""People read periods in Chinese (2026年第一季度, 2026年上半年), never as the codes that URLs and
the CLI use (2026Q1, 2026H1): every page of the portal, as its entitled account and as committee
staff, with the charts' data (issue 16, finding 7)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from branches.exporting import exporter_for
from branches.periods import Period

from .url_cases import Case, portal_patterns, url_of

# 2026Q1, 2026H1, 2026-07 (not a date), and 第1季度 where the label says 第一季度
CODE = re.compile(r"(?<![\w/=-])(19|20)\d\d([QqHh][1-4](?!\w)|-[01]\d(?![\d:-]))|第[1-4]季度")
TAG = re.compile(r"<(?!/?script)[^>]*>")  # a tag and its attributes (hrefs, values); script bodies stay: chart data
# A field's help may show what to type in it ("月份 2026-07 或季度 2026Q3"): codes are what the
# addresses, the CLI and such inputs take.
HELP = re.compile(r'<(div|span) id="[^"]*_helptext" class="form-text">.*?</\1>', re.S)


def visible_codes(page: str) -> list[str]:
    text = html.unescape(TAG.sub(" ", HELP.sub(" ", page)))
    return [match.group(0) for match in CODE.finditer(text)]


def test_visible_codes_are_found_outside_tags_and_inside_chart_data():
    assert visible_codes('<a href="?period=2026Q1">2026年第一季度</a><input value="2026H1">') == []
    assert visible_codes("<td>2026Q1</td><td>2026-07</td><td>2026-07-05 10:30</td><td>2026年第1季度</td>") == [
        "2026Q1", "2026-07", "第1季度"]
    assert visible_codes('<script type="application/json">{"labels": ["2026Q3"]}</script>') == ["2026Q3"]
    assert visible_codes('<div id="id_period_helptext" class="form-text">如 2026Q3</div>') == []


GET_PAGES = [p for p in portal_patterns() if "GET" in p.methods]


@pytest.mark.parametrize("pattern", GET_PAGES, ids=str)
def test_no_page_shows_a_period_code(portal_world, db, pattern):
    case = portal_world.cases.get(pattern.name, Case())
    for who in dict.fromkeys((case.as_user or "owner", "staff")):
        client = Client()
        client.force_login(getattr(portal_world, who))
        response = client.get(url_of(pattern, case))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        assert not visible_codes(response.content.decode()), f"{who} GET {url_of(pattern, case)}"


@pytest.mark.parametrize(("period", "label"), [("2026Q1", "2026年第一季度"), ("2026H1", "2026年上半年"),
                                              ("2026-12", "2026年12月"), ("2026", "2026年")])
def test_a_download_is_named_with_the_period_people_read(tree, period, label):
    name = exporter_for("compliance").filename(tree["branch_a"], Period.parse(period), "xlsx")
    assert name.endswith(f"_{label}.xlsx")
