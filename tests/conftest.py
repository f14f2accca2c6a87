"""Shared fixtures: a small tree and one account per role.

Roles (see branches/access.py): ``owner`` is the secretary of branch A; ``staff`` is committee
staff over the whole tree (reads everything, changes no branch record); ``outsider`` is the
secretary of branch B; ``viewer`` has read-only access to branch A.
"""

from __future__ import annotations

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
