"""Navigation that fits each role."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from . import access

# Sections contributed by the other apps, each a menu of its pages; a section appears once its
# URLs exist (branches sits below the apps that provide them).
APP_SECTIONS = [
    ("meetings", "三会一课", [
        ("落实情况", "meetings:index"), ("会议台账", "meetings:list"), ("会议日历", "meetings:calendar"),
        ("谈心谈话", "meetings:talks"), ("规定与频次", "meetings:rules"),
    ]),
    ("dues", "党费积分", [("党费与积分", "dues:index")]),
    ("reports", "报表", [
        ("季度考评", "reports:scorecards"), ("工作报告", "reports:work"), ("工作要点", "reports:plan_index"),
    ]),
]
IMPORT_LABELS = {"members": "党员名册", "orgs": "党组织", "meetings": "会议及出勤", "payments": "党费缴纳"}


def _links(items: list[tuple[str, str]]) -> list[dict[str, str]]:
    links = []
    for label, name in items:
        try:
            links.append({"label": label, "url": reverse(name)})
        except NoReverseMatch:
            continue
    return links


@functools.cache  # the URLs do not change while the process runs: reversed once, not on every page
def _app_links() -> list[dict[str, Any]]:
    sections = []
    for section, label, items in APP_SECTIONS:
        links = _links(items)
        if links:
            sections.append({"section": section, "label": label, "url": links[0]["url"], "items": links})
    return sections


def _import_links(scope: access.Scope) -> list[dict[str, str]]:
    """The imports the account may use: editors all of them, committee staff the org tree."""
    if scope.is_admin or scope.edit_paths:
        return _imports(tuple(IMPORT_LABELS))
    if scope.staff_paths:
        return _imports(("orgs",))
    return []


@functools.cache
def _imports(kinds: tuple[str, ...]) -> list[dict[str, str]]:
    links = []
    for kind in kinds:
        try:
            links.append({"label": IMPORT_LABELS[kind], "url": reverse("reports:import_upload", args=[kind])})
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
            "imports": _import_links(scope),
        }
    }
