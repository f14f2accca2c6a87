"""Home page per role, the organisation tree, unit pages, officers, terms, notifications and the
browser side of the importers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.models import PARTY_MEMBER_STATUSES, Membership, Person
from reports.services import BackgroundUnavailable, jobs_fail_stale

from . import access, import_jobs, selectors, services
from .forms import (
    ArchiveForm,
    ImportUploadForm,
    OfficerEndForm,
    OfficerForm,
    OrgUnitForm,
    TermForm,
    add_service_errors,
)
from .history import history_rows, versions_of
from .importing import importer_kinds
from .models import ImportBatch, Notification, Officer, OrgUnit, UnitKind, today

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
    roots = selectors.unit_tree(user=request.user, root=under, levels=TREE_LEVELS, whole_up_to=FULL_TREE_UNITS,
                                matching=query)
    if under is not None and request.htmx:
        return render(request, "branches/_tree_children.html", {
            "nodes": roots[0].children if roots else [], "under": under})
    folded = any(child.folded for node in roots for child in node.children)
    return render(request, "branches/tree.html", {
        "roots": roots, "query": query, "under": under, "folded": folded, "nav_section": "org",
    })


@require_GET
@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    nodes = selectors.kept_unit_tree(user=request.user, root=unit)
    node = nodes[0] if nodes else None
    if node is None:  # an archived unit: still viewable, without live counts
        counts = selectors.member_counts([unit]).get(unit.pk, selectors.UnitCounts())
        node = selectors.TreeNode(unit, counts, selectors.term_status(unit.terms.first()), [], [])
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
    return render(request, "branches/unit_detail.html", context)


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
            return redirect("branches:unit", pk=unit.pk)
    return render(request, "branches/unit_form.html", {"form": form, "parent": parent, "nav_section": "org"})


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
            return redirect("branches:unit", pk=unit.pk)
    can_archive = unit.parent is not None and access.can_add_child(request.user, unit.parent, unit.kind)
    return render(request, "branches/unit_form.html", {"form": form, "unit": unit, "parent": unit.parent,
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
            return redirect("branches:unit", pk=unit.pk)
    return render(request, "form_page.html", {"cancel_url": reverse("branches:unit", args=[unit.pk]),
        "form": form, "unit": unit, "title": f"撤销“{unit.name}”", "submit": "确认撤销", "danger": True,
        "nav_section": "org",
    })


def _officer_candidates(unit: OrgUnit) -> Any:
    branch = unit.parent if unit.kind == UnitKind.GROUP else unit
    members = Membership.objects.active_on(today()).filter(unit__path__startswith=branch.path)
    if unit.kind == UnitKind.GROUP:
        members = members.filter(group=unit)
    return Person.objects.filter(pk__in=members.values("person_id"), status__in=PARTY_MEMBER_STATUSES).order_by("pinyin")


@require_http_methods(["GET", "POST"])
@login_required
def officer_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    access.require_manage(request.user, unit)
    form = OfficerForm(request.POST or None, unit=unit, people=_officer_candidates(unit),
                       initial={"started_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.officer_appoint(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已记录任职。")
            return redirect("branches:unit", pk=unit.pk)
    return render(request, "form_page.html", {"cancel_url": reverse("branches:unit", args=[unit.pk]),
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
            return redirect("branches:unit", pk=unit.pk)
    return render(request, "form_page.html", {"cancel_url": reverse("branches:unit", args=[unit.pk]),
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
            return redirect("branches:unit", pk=unit.pk)
    return render(request, "form_page.html", {"cancel_url": reverse("branches:unit", args=[unit.pk]),
        "form": form, "unit": unit, "title": f"{unit.name} · 记录换届", "submit": "保存", "nav_section": "org",
    })


@require_GET
@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=request.user)[:100]
    return render(request, "branches/notifications.html", {"items": items, "nav_section": "home"})


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    services.notification_mark_read(user=request.user)
    return redirect("branches:notifications")


# --- Browser imports: upload → check (a job) → preview with every problem → confirm → write (a job)


def _importer(request: HttpRequest, kind: str) -> Any:
    try:
        return import_jobs.importer_for_user(request.user, kind)
    except KeyError:
        raise Http404("未知的导入类型") from None


@require_GET
@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    importer = _importer(request, kind)
    response = HttpResponse(importer.template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    # The whole name must be percent-encoded: a raw non-ASCII header is MIME-mangled by Django.
    response["Content-Disposition"] = content_disposition_header(True, f"{importer.label}_导入模板.xlsx")
    return response


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    importer = _importer(request, kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = import_jobs.import_keep(user=request.user, kind=kind, upload=form.cleaned_data["file"])
        try:
            import_jobs.import_check(batch)
        except BackgroundUnavailable:
            messages.error(request, "后台任务服务暂时不可用，文件未能开始校验。没有写入任何数据，请稍后重新上传。")
        return redirect("branches:import_preview", pk=batch.pk)
    batches = ImportBatch.objects.filter(user=request.user).select_related("job")[:10]
    kinds = [(k, import_jobs.LABELS.get(k, k)) for k in importer_kinds()]
    return render(request, "branches/import_upload.html", {
        "form": form, "kind": kind, "label": importer.label, "kinds": kinds, "batches": batches,
        "columns": [c for columns in importer.sheets.values() for c in columns], "nav_section": "imports",
    })


def _own_batch(request: HttpRequest, pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.select_related("job"), pk=pk, user=request.user)


@require_GET
@login_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's state; while a job works on it, htmx asks again every second for the state alone."""
    batch = _own_batch(request, pk)
    if batch.job and not batch.job.is_finished and jobs_fail_stale(user=request.user):
        batch.job.refresh_from_db()  # its worker died and nobody took it over: say so
    template = "branches/_import_state.html" if request.htmx else "branches/import_preview.html"
    return render(request, template, {
        "batch": batch, "label": import_jobs.LABELS.get(batch.kind, batch.kind), "nav_section": "imports",
    })


@require_POST
@login_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    try:
        queued = import_jobs.import_confirm(user=request.user, batch=batch)
    except BackgroundUnavailable:
        messages.error(request, "后台任务服务暂时不可用，导入未能开始。没有写入任何数据，请稍后再确认导入。")
        return redirect("branches:import_preview", pk=batch.pk)
    if not queued:
        batch = _own_batch(request, pk)
        messages.warning(request, "该文件正在校验或导入，请稍候。" if batch.working else "该文件已处理，不能重复导入。")
        return redirect("branches:import_preview", pk=batch.pk)
    batch.refresh_from_db()  # without a broker the job has run already
    if batch.state == ImportBatch.State.APPLIED:
        messages.success(request, f"导入完成：{batch.summary}。")
    elif batch.state == ImportBatch.State.REFUSED:  # the data changed since the preview
        messages.error(request, "导入被拒绝，未写入任何数据。")
    return redirect("branches:import_preview", pk=batch.pk)
