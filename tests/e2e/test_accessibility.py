"""Each role's main pages, checked by axe-core (no serious or critical violation) at desktop size,
and on a 390 px phone: nothing wider than the screen except tab bars and tables, which scroll
inside their own box."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from meetings.models import MeetingKind
from meetings.services import meeting_create
from tests.factories import make_person

pytestmark = [pytest.mark.e2e, pytest.mark.clock("2026-12-05")]

BLOCKING = ("serious", "critical")


@pytest.fixture
def pages(tree):
    a = tree["branch_a"]
    person = make_person(a, group=tree["group_a"], name="张建国")
    make_person(a, name="王小明")
    meeting = meeting_create(actor=None, unit=a, kind=MeetingKind.GENERAL, date=dt.date(2026, 11, 20), topic="学习党章")
    return {
        "owner": [reverse("home"), reverse("members:list"), reverse("members:detail", args=[person.pk]),
                  reverse("meetings:list"), reverse("meetings:detail", args=[meeting.pk]), reverse("meetings:index"),
                  reverse("dues:sheet", args=[a.pk, "2026-11"]), reverse("reports:work"), reverse("reports:jobs")],
        "staff": [reverse("home"), reverse("org:tree"), reverse("meetings:grid"), reverse("members:pipeline"),
                  reverse("reports:scorecards"), reverse("reports:work"), reverse("dues:index")],
    }


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}) {len(v['nodes'])}×: {[n['target'][0] for n in v['nodes'][:4]]}"
            for v in results.response["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_main_pages_have_no_serious_accessibility_violations(page, login, shot, owner, staff, pages, role):
    login(role)
    found = {}
    for number, path in enumerate(pages[role]):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        violations = blocking_violations(page)
        if violations:
            found[path] = violations
        shot(f"axe_{role}_{number}")
    if found:
        pytest.fail("\n".join(f"{path}: {v}" for path, violations in found.items() for v in violations), pytrace=False)


PHONE_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const scrollers = el => { for (let p = el; p; p = p.parentElement) {
      const style = getComputedStyle(p); if (['auto', 'scroll'].includes(style.overflowX)) return true; }
    return false; };
  return [...document.querySelectorAll('body *')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && !scrollers(el);
  }).slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 20));
}"""


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_main_pages_fit_a_phone(page, login, shot, owner, staff, pages, role):
    page.set_viewport_size({"width": 390, "height": 844})
    login(role)
    found = {}
    for number, path in enumerate(pages[role]):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        overflowing = page.evaluate(PHONE_OVERFLOW)
        if overflowing:
            found[path] = overflowing
        shot(f"phone_{role}_{number}")
    if found:
        pytest.fail("\n".join(f"{path}: {items}" for path, items in found.items()), pytrace=False)
