"""The signed-in account of each request, read with its roles and unread notifications.

Every page needs all three (access scope, navigation badge): reading them as subqueries of the
account's own query saves two round trips on every request. :func:`access.scope_for` and the
navigation fall back to their own queries for a user read any other way.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from .models import Notification, OrgUnit, Role

ROLES_ATTR = "zhibu_roles_joined"  # "kind path;kind path…" of the roles on units not archived
UNREAD_ATTR = "zhibu_unread"


@functools.cache
def _account_sql(vendor: str) -> str:
    """The account with its roles and unread count, as SQL written once: the same query built with
    the ORM costs more to compose and compile each time than the two round trips it saves."""
    users, roles, units, notes = (model._meta.db_table for model in (get_user_model(), Role, OrgUnit, Notification))
    joined = "GROUP_CONCAT" if vendor == "sqlite" else "STRING_AGG"
    return f"""
        SELECT u.*,
               COALESCE((SELECT {joined}(r.kind || ' ' || o.path, ';') FROM {roles} r
                         JOIN {units} o ON o.id = r.unit_id
                         WHERE r.user_id = u.id AND o.archived_on IS NULL), '') AS {ROLES_ATTR},
               (SELECT COUNT(*) FROM {notes} n WHERE n.user_id = u.id AND n.read_at IS NULL) AS {UNREAD_ATTR}
        FROM {users} u WHERE u.id = %s"""


def roles_read_with(user: Any) -> list[tuple[str, str]] | None:
    """The ``(kind, unit path)`` roles read with the account, or None when they were not."""
    joined = getattr(user, ROLES_ATTR, None)
    if joined is None:
        return None
    return [tuple(item.split(" ", 1)) for item in joined.split(";") if item]  # type: ignore[misc]


class AccountBackend(ModelBackend):
    """Django's model backend; the account of each request comes with its roles and unread count."""

    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()._default_manager
        user = next(iter(users.raw(_account_sql(connection.vendor), [user_id])), None)
        return user if user is not None and self.user_can_authenticate(user) else None
