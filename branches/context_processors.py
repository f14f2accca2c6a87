"""Navigation that fits each role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import access


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = access.scope_for(user)
    unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "nav": {
            "is_admin": scope.is_admin,
            "is_staff": bool(scope.staff_paths) or scope.is_admin,
            "is_editor": bool(scope.edit_paths),
            "unread": unread,
        }
    }
