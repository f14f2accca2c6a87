"""Shared fixtures: a small tree and one account per role.

Roles (see branches/access.py): ``owner`` is the secretary of branch A; ``staff`` is committee
staff over the whole tree (reads everything, changes no branch record); ``outsider`` is the
secretary of branch B; ``viewer`` has read-only access to branch A.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from branches.models import RoleKind

from .factories import make_tree, make_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True, scope="session")
def _jinja_pages_tell_the_test_client_their_context():
    """Django's test runner instruments its own template engine so that ``response.context`` works;
    the pages are Jinja2, so tests instrument that backend the same way (tests only)."""
    from django.template.backends.jinja2 import Template
    from django.test.signals import template_rendered

    render = Template.render

    def instrumented(self, context=None, request=None):
        html = render(self, context, request)
        template_rendered.send(sender=self, template=self, context=dict(context or {}))
        return html

    Template.render = instrumented
    yield
    Template.render = render


# --- --clock: the whole session on another day ----------------------------------------------------

def pytest_addoption(parser):
    parser.addoption(
        "--clock", metavar="WHEN", default=None,
        help="run every test as if today were WHEN: a date (YYYY-MM-DD, 10:00 in Asia/Shanghai) or an ISO "
             "datetime with its offset. The clock keeps ticking from there (time_machine; Python's clock only, "
             "so subprocesses and the database server keep the real time). `make test-dates` uses it.",
    )


def clock_start(value: str) -> dt.datetime:
    """``--clock``'s value as an aware datetime: a bare date is 10:00 on that day in the portal's zone."""
    from zoneinfo import ZoneInfo

    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--clock={value}: expected YYYY-MM-DD or an ISO datetime") from None
    from django.conf import settings

    zone = ZoneInfo(settings.TIME_ZONE)
    if len(value) == 10:  # a date alone
        when = when.replace(hour=10)
    # In the portal's zone whatever the offset given: time_machine sets the process's TZ to the
    # destination's zone, and Django has set it to TIME_ZONE (naive local times follow it).
    return when.replace(tzinfo=zone) if when.tzinfo is None else when.astimezone(zone)


def pytest_configure(config):
    value = config.getoption("--clock", default=None)
    if value:  # in the controller and in each xdist worker (they receive the same options)
        import time_machine

        config._clock_traveller = time_machine.travel(clock_start(value), tick=True)
        config._clock_traveller.start()


def pytest_unconfigure(config):
    traveller = getattr(config, "_clock_traveller", None)
    if traveller is not None:
        traveller.stop()


@pytest.fixture(autouse=True)
def _clock_marker(request):
    """``@pytest.mark.clock("2026-06-15")`` (a test, a class or a module's ``pytestmark``): the test
    and its function-scoped fixtures run on that day, whatever day the suite runs on; the clock
    ticks from 10:00 there. Module- and session-scoped fixtures are built before it: keep dates out
    of them, or freeze them too."""
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        yield
        return
    import time_machine

    with time_machine.travel(clock_start(marker.args[0]), tick=True):
        yield


def pytest_report_header(config):
    value = config.getoption("--clock", default=None)
    if value:
        return f"clock: {clock_start(value).isoformat()} (--clock, ticking)"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the test settings' is in the process's memory): a
    rolled-back test's writes leave no summaries behind."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=False):
        cache.clear()


@pytest.fixture
def tree(db):
    return make_tree()


@pytest.fixture
def owner(tree):
    return make_user(tree["branch_a"], RoleKind.SECRETARY, username="owner")


@pytest.fixture
def staff(tree):
    return make_user(tree["committee"], RoleKind.STAFF, username="staff")


@pytest.fixture
def outsider(tree):
    return make_user(tree["branch_b"], RoleKind.SECRETARY, username="outsider")


@pytest.fixture
def viewer(tree):
    return make_user(tree["branch_a"], RoleKind.VIEWER, username="viewer")


@pytest.fixture
def admin_user(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.com", "pass-1234")


@pytest.fixture
def client_for(client):
    """``client_for(user)`` → a test client logged in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login


def _database_vendor() -> str:
    from django.db import connection

    return connection.vendor


def pytest_collection_modifyitems(config, items):
    """Skip service-bound tests with a visible reason when the service is absent — unless CI
    demands them (REQUIRE_SERVICES / REQUIRE_E2E), where a missing service is a failure."""
    import shutil

    from django.conf import settings

    require_services = os.environ.get("REQUIRE_SERVICES") == "1"
    require_e2e = os.environ.get("REQUIRE_E2E") == "1"
    reasons = {}
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        reasons["postgres"] = "需要 PostgreSQL：设置 DATABASE_URL=postgres://… 后运行（CI 中会运行）"
    if not settings.REDIS_URL:
        reasons["redis"] = "需要 Redis：设置 REDIS_URL=redis://127.0.0.1:6379/15 后运行（CI 中会运行）"
        reasons["celery_worker"] = reasons["redis"]
    if not shutil.which("chromium"):
        reasons["e2e"] = "需要 Debian chromium（apt-get install chromium）"
    for item in items:
        for marker, reason in reasons.items():
            if item.get_closest_marker(marker):
                demanded = require_e2e if marker == "e2e" else require_services
                if demanded:
                    raise pytest.UsageError(f"{item.nodeid}: CI requires this test but {reason}")
                else:
                    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def portal_world(django_db_setup, django_db_blocker):
    """The world of ``tests/url_cases.py``, built once per module inside a transaction that is
    rolled back afterwards (each test still runs in its own nested transaction)."""
    from django.db import transaction

    from .url_cases import build_world, cases

    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        world.cases = cases(world)
        yield world
        transaction.set_rollback(True)
