"""Roster, member detail with history, create/edit, transfers, exits and the 发展 pipeline."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches.forms import add_service_errors
from branches.history import history_rows, versions_of
from branches.models import in_subtree, today
from branches.paging import paged
from branches.periods import Period

from . import idnumbers, selectors, services
from .development import STAGES, STEPS
from .filters import PersonFilter, roster_units
from .forms import (
    STATUS_FILTER_CHOICES,
    ExitForm,
    GroupChangeForm,
    PersonForm,
    PlacementForm,
    RecognitionForm,
    StepForm,
    TransferInForm,
    TransferOutForm,
)
from .models import Person, Recognition, Status

PAGE_SIZE = 50


@require_GET
@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    filters = PersonFilter(request)
    people = filters.qs
    paging = paged(request, people, PAGE_SIZE, subjects=("people", "units"))
    page = paging["page"]
    editable = {u.pk for u in access.editable_units(request.user).filter(kind="branch")}
    rows = [{
        "person": person,
        "can_edit": person.unit_id in editable,
        "id_display": person.id_number if person.unit_id in editable else idnumbers.mask(person.id_number),
    } for person in page.object_list]
    context = {
        **paging, "rows": rows, "units": roster_units(request).order_by("path"), "unit": filters.value("unit"),
        "status": filters.value("status") or "", "q": filters.search_text, "former": bool(filters.value("former")),
        "status_choices": STATUS_FILTER_CHOICES,
        "can_create": bool(editable), "export_unit": filters.value("unit") or (access.home_units(request.user) or [None])[0],
        "period": str(Period.containing(today(), "year")), "nav_section": "members",
    }
    template = "members/_list_table.html" if request.htmx else "members/list.html"
    return render(request, template, context)


@require_GET
@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_view(request.user, pk)
    memberships = list(person.memberships.select_related("unit", "group").order_by("-started_on"))
    can_edit = selectors.can_edit_person(request.user, person, memberships=memberships)
    step_rows = list(person.steps.all())
    progress = selectors.progress_of(person, steps=step_rows)
    steps = {row.step: row for row in step_rows}
    stages = [(name, [(n, STEPS[n], steps.get(n), n == progress.next_step) for n in numbers]) for name, numbers in STAGES]
    history = history_rows(versions_of(person).select_related("history_user"), 30)
    if not can_edit:  # the change history would reveal the unmasked number (its hidden digits are the birth date)
        for row in history:
            row["changes"] = [c for c in row["changes"] if c["field"] not in ("公民身份号码", "联系电话", "出生日期")]
    context = {
        "person": person,
        "can_edit": can_edit,
        "id_display": person.id_number if can_edit else idnumbers.mask(person.id_number),
        "phone_display": person.phone if can_edit else idnumbers.mask_phone(person.phone),
        "memberships": memberships,
        "current": next((m for m in memberships if m.ended_on is None), None),
        "events": person.events.select_related("from_unit", "to_unit", "recorded_by").order_by("-date", "-id"),
        "offices": person.offices.select_related("unit").order_by("-started_on"),
        "dues_bases": person.dues_bases.order_by("-effective_from"),
        "progress": progress,
        "stages": stages,
        "in_pipeline": person.status != Status.FULL,
        "history": history,
        "can_transfer_in": can_edit is False and not any(m.ended_on is None for m in memberships)
        and access.is_editor(request.user),
        "nav_section": "members",
    }
    return render(request, "members/detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def member_create(request: HttpRequest) -> HttpResponse:
    units = access.editable_units(request.user)
    if not units.filter(kind="branch").exists():
        raise PermissionDenied("您的账号只能查看，不能新增人员。")
    form = PersonForm(request.POST or None)
    placement = PlacementForm(request.POST or None, units=units, prefix="p")
    if request.method == "POST" and form.is_valid() and placement.is_valid():
        try:
            person = services.person_create(actor=request.user, **placement.cleaned_data, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已新增{person.name}。")
            return redirect("members:detail", pk=person.pk)
    return render(request, "members/form.html", {"form": form, "placement": placement, "title": "新增人员",
                                                 "nav_section": "members"})


@require_http_methods(["GET", "POST"])
@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(request.user, pk)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("members:detail", pk=person.pk)
    return render(request, "members/form.html", {"form": form, "person": person, "title": f"编辑 · {person.name}",
                                                 "nav_section": "members"})


def _action(request: HttpRequest, person: Any, form: Any, title: str, run: Any, done: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("members:detail", pk=person.pk)
    return render(request, "form_page.html", {
        "form": form, "person": person, "title": title, "nav_section": "members",
        "cancel_url": reverse("members:detail", args=[person.pk]),
        "crumbs": [("党员名册", reverse("members:list")), (person.name, reverse("members:detail", args=[person.pk]))],
    })


@require_http_methods(["GET", "POST"])
@login_required
def member_transfer_out(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(request.user, pk)
    form = TransferOutForm(request.POST or None, initial={"date": today()})
    return _action(request, person, form, f"组织关系转出 · {person.name}",
                   lambda data: services.member_transfer_out(actor=request.user, person=person, **data),
                   f"已办理{person.name}的组织关系转出。")


@require_http_methods(["GET", "POST"])
@login_required
def member_transfer_in(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_view(request.user, pk)
    units = access.editable_units(request.user)
    if not units.filter(kind="branch").exists():
        raise PermissionDenied("您的账号只能查看，不能办理转入。")
    form = TransferInForm(request.POST or None, units=units, initial={"date": today()})
    return _action(request, person, form, f"组织关系转入 · {person.name}",
                   lambda data: services.member_transfer_in(actor=request.user, person=person, **data),
                   f"已办理{person.name}的组织关系转入。")


@require_http_methods(["GET", "POST"])
@login_required
def member_group_change(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(request.user, pk)
    membership = services.current_membership(person)
    form = GroupChangeForm(request.POST or None, branch=membership.unit, initial={"date": today()})
    return _action(request, person, form, f"调整党小组 · {person.name}",
                   lambda data: services.member_group_change(actor=request.user, person=person, **data),
                   "已调整党小组。")


@require_http_methods(["GET", "POST"])
@login_required
def member_exit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(request.user, pk)
    form = ExitForm(request.POST or None, initial={"date": today()})
    return _action(request, person, form, f"党籍变动 · {person.name}",
                   lambda data: services.member_exit(actor=request.user, person=person, **data),
                   "已记录，组织关系已关闭，历史记录保留。")


@require_http_methods(["GET", "POST"])
@login_required
def step_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(request.user, pk)
    progress = selectors.progress_of(person)
    form = StepForm(request.POST or None, initial={"step": progress.next_step, "done_on": today()})
    return _action(request, person, form, f"记录发展步骤 · {person.name}",
                   lambda data: services.development_step_record(actor=request.user, person=person, **data),
                   "已记录发展步骤。")


@require_GET
@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    units = access.visible_units(request.user).filter(archived_on__isnull=True, kind__in=["branch", "committee", "general"])
    unit = None
    unit_id = request.GET.get("unit", "")
    if unit_id.isdecimal():
        unit = units.filter(pk=unit_id).first()
    order = selectors.pipeline_order(user=request.user, unit=unit)
    context = paged(request, order, PAGE_SIZE)
    page = context["page"]
    page.object_list = selectors.pipeline_rows_of(user=request.user, ids=[pk for pk, _ in page.object_list])
    return render(request, "members/pipeline.html", {
        **context, "total": len(order), "overdue": sum(1 for _, overdue in order if overdue),
        "units": units.order_by("path"), "unit": unit, "nav_section": "members",
    })




@require_http_methods(["GET", "POST"])
@login_required
def recognitions(request: HttpRequest) -> HttpResponse:
    """评优表彰 and 党内关怀 of a unit's subtree; its managers record new ones."""
    units = access.visible_units(request.user).filter(archived_on__isnull=True).exclude(kind="group").order_by("path")
    unit_id = request.GET.get("unit", "")
    if unit_id:  # an explicit unit outside the scope is not revealed (404), like any other id
        unit = units.filter(pk=access.unit_for_view(request.user, unit_id).pk).first()
        if unit is None:
            raise Http404("请选择党支部或上级党组织。")
    else:
        unit = units.first()
    if unit is None:
        raise PermissionDenied("没有可查看的党组织。")
    can_edit = access.can_manage_unit(request.user, unit)
    people = Person.objects.in_unit_on(unit, today()).order_by("pinyin")
    form = RecognitionForm(request.POST or None, people=people, initial={"date": today()})
    if request.method == "POST":
        access.require_manage(request.user, unit)
        if form.is_valid():
            try:
                services.recognition_record(actor=request.user, unit=unit, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已登记。")
                return redirect(f"{request.path}?unit={unit.pk}")
    rows = Recognition.objects.filter(in_subtree(unit, "unit")).select_related("unit", "person")[:200]
    return render(request, "members/recognitions.html", {
        "units": units, "unit": unit, "rows": rows, "form": form, "can_edit": can_edit, "nav_section": "members",
    })


@require_POST
@login_required
def recognition_void(request: HttpRequest, pk: int) -> HttpResponse:
    row = access.get_for_view(request.user, Recognition.objects.all(), "unit__path", pk=pk)
    access.require_manage(request.user, row.unit)
    try:
        services.recognition_void(actor=request.user, recognition=row, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已作废，记录保留在历史中。")
    return redirect(f"{reverse('members:recognitions')}?unit={row.unit_id}")
