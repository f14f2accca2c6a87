"""Navigation that fits each role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from . import access

# Sections contributed by the other apps; each appears once its URLs exist.
APP_SECTIONS = [
    ("meetings", "三会一课", "meetings:index"),
    ("dues", "党费积分", "dues:index"),
    ("reports", "报表", "reports:index"),
]


def _app_links() -> list[dict[str, str]]:
    links = []
    for section, label, name in APP_SECTIONS:
        try:
            links.append({"section": section, "label": label, "url": reverse(name)})
        except NoReverseMatch:
            continue
    return links


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = access.scope_for(user)
    unread = user.notifications.filter(read_at__isnull=True).count()
    if scope.is_admin:
        role_label = "系统管理员"
    elif scope.staff_paths:
        role_label = "党委工作人员"
    elif scope.edit_paths:
        role_label = "支部书记/组织委员"
    elif scope.view_paths:
        role_label = "只读账号"
    else:
        role_label = "未分配角色"
    return {
        "nav": {
            "is_admin": scope.is_admin,
            "is_staff": bool(scope.staff_paths) or scope.is_admin,
            "is_editor": bool(scope.edit_paths),
            "unread": unread,
            "role_label": role_label,
            "apps": _app_links(),
        }
    }
