"""The home page of each role: a secretary's to-do list, a committee's overview."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from branches import access
from branches import facts as org
from branches.models import UnitKind, today
from members import org_tree
from members.selectors import overdue_pipeline

from .. import dashboards

OVERDUE_SHOWN = 20


def flatten(nodes: list[org_tree.TreeNode]) -> list[org_tree.TreeNode]:
    flat: list[org_tree.TreeNode] = []
    for node in nodes:
        flat.append(node)
        flat.extend(flatten(node.children))
    return flat


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = access.scope_for(request.user)
    if scope.is_empty:
        return render(request, "reports/home_norole.html", {"nav_section": "home"})
    on = today()
    roots = dashboards.home_tree(request.user)  # 党小组 are only counted here
    flat = flatten(roots)
    branches = [node for node in flat if node.unit.kind == UnitKind.BRANCH]
    tops = [node for node in flat if node.unit.path in scope.view_paths] or roots
    overview = scope.is_admin or bool(scope.staff_paths) or len(branches) > 1
    context: dict[str, Any] = {
        "nav_section": "home",
        "tops": tops,
        "branches": branches,
        "attention": [node for node in branches if node.warnings or node.term.code in ("due", "overdue")],
        "is_overview": overview,
    }
    if overview:  # the tree above is read without 党小组: count them here
        kinds = org.unit_counts([node.unit for node in tops], on)
        context["kind_counts"] = {label: kinds[value] for value, label in UnitKind.choices}
    if overview and tops:
        context["overview"] = dashboards.committee_overview(tops[0].unit, flat, on)
        context["pipeline"] = overdue_pipeline(user=request.user, limit=OVERDUE_SHOWN)
    else:
        context["pipeline"], context["todos"] = dashboards.secretary_home(request.user, branches, on, OVERDUE_SHOWN)
    return render(request, "reports/home.html", context)
