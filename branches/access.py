"""The one place that decides who may see or change what.

A role on a unit reaches that unit and everything under it (``OrgUnit.path`` prefix):

* 支部书记 / 组织委员 see and change their branch and its 党小组;
* 党委工作人员 see everything under their committee and change none of a branch's records;
* 只读 see their unit's subtree;
* a superuser (administrator) sees and changes everything.

Outsiders asking for an object by id get 404 (its existence is not revealed); someone who may
see it but not change it gets 403. Every selector and view goes through the helpers below.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import EDITOR_ROLES, OrgUnit, Role, RoleKind, in_subtree, path_within

M = TypeVar("M", bound=Model)

_CACHE_ATTR = "_zhibu_scope"


@dataclass(frozen=True)
class Scope:
    """What one account reaches, as path prefixes."""

    is_admin: bool
    view_paths: tuple[str, ...]
    edit_paths: tuple[str, ...]
    staff_paths: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.is_admin or self.view_paths)

    @property
    def key(self) -> tuple[object, ...]:
        """What the account may see, for keying what it is shown (branches.caching): two
        accounts that see the same share it, and a change of roles is a new key."""
        return (self.is_admin, *self.view_paths)


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        scope = Scope(False, (), (), ())
    elif user.is_superuser:
        scope = Scope(True, ("/",), ("/",), ("/",))
    else:
        roles = list(Role.objects.filter(user=user, unit__archived_on__isnull=True).values_list("kind", "unit__path"))
        view = _minimal({path for _, path in roles})
        edit = _minimal({path for kind, path in roles if kind in EDITOR_ROLES})
        staff = _minimal({path for kind, path in roles if kind == RoleKind.STAFF})
        scope = Scope(False, view, edit, staff)
    with contextlib.suppress(AttributeError):  # AnonymousUser may refuse new attributes
        setattr(user, _CACHE_ATTR, scope)
    return scope


def forget(user: Any) -> None:
    """Drop the cached scope (after roles change within one request or test)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _minimal(paths: set[str]) -> tuple[str, ...]:
    """Drop paths already covered by a shorter prefix."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path_within(path, prefix) for prefix in kept):
            kept.append(path)
    return tuple(sorted(kept))


def path_q(user: Any, field: str = "path", *, edit: bool = False) -> Q:
    """A filter keeping rows whose ``field`` (an OrgUnit path) lies inside the user's scope."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    paths = scope.edit_paths if edit else scope.view_paths
    if not paths:
        return Q(pk__in=[])
    condition = Q()
    for path in paths:
        condition |= in_subtree(path, field.removesuffix("path").removesuffix("__"))
    return condition


def _covers(paths: tuple[str, ...], unit_path: str) -> bool:
    return any(path_within(unit_path, prefix) for prefix in paths)


def can_view(user: Any, unit: OrgUnit) -> bool:
    scope = scope_for(user)
    return scope.is_admin or _covers(scope.view_paths, unit.path)


def can_edit(user: Any, unit: OrgUnit) -> bool:
    scope = scope_for(user)
    return scope.is_admin or _covers(scope.edit_paths, unit.path)


def can_review(user: Any, unit: OrgUnit) -> bool:
    """Committee staff (or an administrator) over ``unit``: may publish scorecards, set rules."""
    scope = scope_for(user)
    return scope.is_admin or _covers(scope.staff_paths, unit.path)


def is_admin(user: Any) -> bool:
    return scope_for(user).is_admin


def is_committee_staff(user: Any) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.staff_paths)


def is_editor(user: Any) -> bool:
    return bool(scope_for(user).edit_paths)


def visible_units(user: Any) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path_q(user))


def editable_units(user: Any) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path_q(user, edit=True))


def restrict(queryset: QuerySet[M], user: Any, field: str, *, edit: bool = False) -> QuerySet[M]:
    """``queryset`` limited to rows whose unit path (``field``) the user may see (or change)."""
    return queryset.filter(path_q(user, field, edit=edit))


def get_for_view(user: Any, queryset: QuerySet[M], field: str, **lookup: Any) -> M:
    """The object, or 404 when it does not exist or lies outside the user's scope."""
    try:
        return restrict(queryset, user, field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到该记录，或您无权查看。") from exc


def get_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    """``queryset.get(**lookup)`` or 404, also when a value taken from the request is not an id
    (``get_object_or_404`` lets that ValueError through as a server error). For objects looked up
    inside one the user was already given, e.g. an entry of a sheet from :func:`get_for_view`."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到该记录。") from exc


def get_for_edit(user: Any, queryset: QuerySet[M], field: str, **lookup: Any) -> M:
    """The object for changing: 404 outside the scope, 403 when the user may only read it."""
    obj = get_for_view(user, queryset, field, **lookup)
    if not restrict(queryset, user, field, edit=True).filter(pk=obj.pk).exists():
        raise PermissionDenied("您只能查看该记录，不能修改。")
    return obj


def unit_for_view(user: Any, pk: Any) -> OrgUnit:
    return get_for_view(user, OrgUnit.objects.all(), "path", pk=pk)


def unit_for_edit(user: Any, pk: Any) -> OrgUnit:
    return get_for_edit(user, OrgUnit.objects.all(), "path", pk=pk)


def require_edit(user: Any, unit: OrgUnit) -> None:
    """For an already-visible unit: 403 unless the user may change it."""
    if not can_edit(user, unit):
        raise PermissionDenied("您只能查看该组织的记录，不能修改。")


def require_review(user: Any, unit: OrgUnit) -> None:
    if not can_review(user, unit):
        raise PermissionDenied("只有上级党委工作人员可以进行此操作。")


def can_manage_unit(user: Any, unit: OrgUnit) -> bool:
    """Who may change a unit's own details, officers and terms: a branch's (and its 党小组's)
    belong to the branch's editors; a 党委's or 党总支's to committee staff above it."""
    if unit.kind in ("branch", "group"):
        return can_edit(user, unit)
    return can_review(user, unit)


def can_add_child(user: Any, parent: OrgUnit, kind: str) -> bool:
    """A 党小组 is set up by its branch; higher units by committee staff."""
    if kind == "group":
        return can_edit(user, parent)
    return can_review(user, parent)


def require_manage(user: Any, unit: OrgUnit) -> None:
    if not can_manage_unit(user, unit):
        raise PermissionDenied("您无权修改该组织的设置。")


def home_units(user: Any) -> list[OrgUnit]:
    """The top units the user reaches (for the home page and navigation)."""
    scope = scope_for(user)
    if scope.is_admin:
        return list(OrgUnit.objects.filter(parent__isnull=True, archived_on__isnull=True))
    return list(OrgUnit.objects.filter(path__in=scope.view_paths).order_by("path"))
