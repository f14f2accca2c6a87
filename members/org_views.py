"""The organisation pages: the tree, unit pages, officers, terms and notifications. They live above
``branches`` because they count and name people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access, selectors, services
from branches.forms import (
    ArchiveForm,
    OfficerEndForm,
    OfficerForm,
    OrgUnitForm,
    TermForm,
    add_service_errors,
)
from branches.history import history_rows, versions_of
from branches.models import Notification, Officer, OrgUnit, UnitKind, today

from . import org_tree
from . import selectors as member_selectors

FULL_TREE_UNITS = 300  # a tree this size is shown whole; a larger one opens level by level
TREE_LEVELS = 2
MAX_TREE_QUERY = 50


@require_GET
@login_required
def tree(request: HttpRequest) -> HttpResponse:
    """The visible organisation tree. A large one opens ``TREE_LEVELS`` levels at a time: a folded
    node's children come from ``?under=<id>`` (a fragment for htmx; without JavaScript, a page of
    that subtree). ``?q=`` finds units by name or code anywhere in it."""
    query = request.GET.get("q", "").strip()[:MAX_TREE_QUERY]
    under = access.unit_for_view(request.user, request.GET["under"]) if "under" in request.GET else None
    roots = org_tree.unit_tree(user=request.user, root=under, levels=TREE_LEVELS, whole_up_to=FULL_TREE_UNITS,
                                matching=query)
    if under is not None and request.htmx:
        return render(request, "org/_tree_children.html", {
            "nodes": roots[0].children if roots else [], "under": under})
    folded = any(child.folded for node in roots for child in node.children)
    return render(request, "org/tree.html", {
        "roots": roots, "query": query, "under": under, "folded": folded, "nav_section": "org",
    })


@require_GET
@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    nodes = org_tree.kept_unit_tree(user=request.user, root=unit)
    node = nodes[0] if nodes else None
    if node is None:  # an archived unit: still viewable, without live counts
        counts = org_tree.member_counts([unit]).get(unit.pk, org_tree.UnitCounts())
        node = org_tree.TreeNode(unit, counts, selectors.term_status(unit.terms.first()), [], [])
    officers = list(selectors.officers_of(unit))
    context = {
        "unit": unit,
        "node": node,
        "ancestors": OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("depth"),
        "officers": [o for o in officers if o.ended_on is None],
        "past_officers": [o for o in officers if o.ended_on is not None],
        "terms": unit.terms.all(),
        "can_manage": access.can_manage_unit(request.user, unit),
        "can_add_group": unit.kind == UnitKind.BRANCH and access.can_add_child(request.user, unit, UnitKind.GROUP),
        "can_add_child": unit.is_committee_level and access.can_add_child(request.user, unit, UnitKind.BRANCH),
        "history": history_rows(versions_of(unit).select_related("history_user"), 30),
        "nav_section": "org",
    }
    return render(request, "org/unit_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def unit_create(request: HttpRequest, parent_pk: int) -> HttpResponse:
    parent = access.unit_for_view(request.user, parent_pk)
    kind = request.POST.get("kind") or request.GET.get("kind") or (
        UnitKind.GROUP if parent.kind == UnitKind.BRANCH else UnitKind.BRANCH
    )
    if not access.can_add_child(request.user, parent, kind):
        raise PermissionDenied("您无权在该组织下设立下级组织。")
    form = OrgUnitForm(request.POST or None, parent=parent, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.org_unit_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已设立{unit.get_kind_display()}“{unit.name}”。")
            return redirect("org:unit", pk=unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "parent": parent, "nav_section": "org"})


@require_http_methods(["GET", "POST"])
@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    access.require_manage(request.user, unit)
    form = OrgUnitForm(request.POST or None, instance=unit, parent=unit.parent)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ("code", "name", "founded_on", "is_community")}
        try:
            services.org_unit_update(actor=request.user, unit=OrgUnit.objects.get(pk=unit.pk), **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("org:unit", pk=unit.pk)
    can_archive = unit.parent is not None and access.can_add_child(request.user, unit.parent, unit.kind)
    return render(request, "org/unit_form.html", {"form": form, "unit": unit, "parent": unit.parent,
                                                        "can_archive": can_archive, "nav_section": "org"})


@require_http_methods(["GET", "POST"])
@login_required
def unit_archive(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    if unit.parent is None or not access.can_add_child(request.user, unit.parent, unit.kind):
        raise PermissionDenied("您无权撤销该组织。")
    form = ArchiveForm(request.POST or None, initial={"archived_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.org_unit_archive(actor=request.user, unit=unit, on=form.cleaned_data["archived_on"],
                                      reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{unit.name}”已撤销，历史记录保留。")
            return redirect("org:unit", pk=unit.pk)
    return render(request, "form_page.html", {"cancel_url": reverse("org:unit", args=[unit.pk]),
        "form": form, "unit": unit, "title": f"撤销“{unit.name}”", "submit": "确认撤销", "danger": True,
        "nav_section": "org",
    })


@require_http_methods(["GET", "POST"])
@login_required
def officer_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    access.require_manage(request.user, unit)
    form = OfficerForm(request.POST or None, unit=unit, people=member_selectors.officer_candidates(unit),
                       initial={"started_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.officer_appoint(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已记录任职。")
            return redirect("org:unit", pk=unit.pk)
    return render(request, "form_page.html", {"cancel_url": reverse("org:unit", args=[unit.pk]),
        "form": form, "unit": unit, "title": f"{unit.name} · 新任职", "submit": "保存", "nav_section": "org",
    })


@require_http_methods(["GET", "POST"])
@login_required
def officer_end(request: HttpRequest, pk: int, officer_pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    officer = get_object_or_404(Officer.objects.select_related("person"), pk=officer_pk, unit=unit)
    access.require_manage(request.user, unit)
    form = OfficerEndForm(request.POST or None, initial={"ended_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.officer_end(actor=request.user, officer=officer, ended_on=form.cleaned_data["ended_on"],
                                 reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{officer.person.name}的{officer.get_role_display()}任职已结束。")
            return redirect("org:unit", pk=unit.pk)
    return render(request, "form_page.html", {"cancel_url": reverse("org:unit", args=[unit.pk]),
        "form": form, "unit": unit, "title": f"{officer.person.name} · 结束{officer.get_role_display()}任职",
        "submit": "保存", "nav_section": "org",
    })


@require_http_methods(["GET", "POST"])
@login_required
def term_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    access.require_manage(request.user, unit)
    form = TermForm(request.POST or None, initial={"started_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            term = services.term_record(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已记录换届，本届任期至{term.ends_on:%Y-%m-%d}。")
            return redirect("org:unit", pk=unit.pk)
    return render(request, "form_page.html", {"cancel_url": reverse("org:unit", args=[unit.pk]),
        "form": form, "unit": unit, "title": f"{unit.name} · 记录换届", "submit": "保存", "nav_section": "org",
    })


@require_GET
@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=request.user)[:100]
    return render(request, "org/notifications.html", {"items": items, "nav_section": "home"})


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    services.notification_mark_read(user=request.user)
    return redirect("org:notifications")
