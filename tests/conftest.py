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
