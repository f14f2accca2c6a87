"""Playwright (sync API) driving Debian's chromium against pytest-django's live server.

Never ``playwright install``: the browser is the system's /usr/bin/chromium. Every test here is
marked ``e2e``; the root conftest skips them when chromium is missing (and CI demands them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server, transactional_db, django_db_serialized_rollback):
    """A fresh browser context per test (no cookies carried over), in Chinese, desktop-sized.

    ``django_db_serialized_rollback`` restores the rows the migrations seeded (term rules) after
    the live-server test flushes the database, so later tests still find them."""
    from tests.factories import ensure_rule_tables

    ensure_rule_tables()
    context = chromium_browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900},
                                           base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def shot(page):
    """``shot("name")`` saves a full-page screenshot to test-artifacts/name.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page):
    """Log in through the login form, as a person would."""

    def do(username: str, password: str = "pass-1234") -> None:
        page.goto("/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/login/" not in url)

    return do
