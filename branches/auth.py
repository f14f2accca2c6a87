"""The signed-in account of each request, read with its roles and unread notifications.

Every page needs all three (access scope, navigation badge): reading them as subqueries of the
account's own query saves two round trips on every request. :func:`access.scope_for` and the
navigation fall back to their own queries for a user read any other way.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Aggregate, CharField, Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat

from .models import Notification, Role

ROLES_ATTR = "zhibu_roles_joined"  # "kind path;kind path…" of the roles on units not archived
UNREAD_ATTR = "zhibu_unread"


class _Joined(Aggregate):
    """Strings joined with ';' (PostgreSQL's STRING_AGG, SQLite's GROUP_CONCAT)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ';')"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def with_roles_and_unread(users: Any) -> Any:
    """``users`` annotated with :data:`ROLES_ATTR` and :data:`UNREAD_ATTR`."""
    roles = (Role.objects.filter(user=OuterRef("pk"), unit__archived_on__isnull=True).order_by()
             .values("user").annotate(joined=_Joined(Concat("kind", Value(" "), "unit__path"))).values("joined"))
    unread = (Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True).order_by()
              .values("user").annotate(n=Count("pk")).values("n"))
    return users.annotate(**{ROLES_ATTR: Coalesce(Subquery(roles), Value("")),
                             UNREAD_ATTR: Coalesce(Subquery(unread, output_field=IntegerField()), 0)})


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
        try:
            user = with_roles_and_unread(users).get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
