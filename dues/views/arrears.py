"""欠缴: a unit's arrears and the cases opened for six months unpaid."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from branches import access
from branches.models import OrgUnit, UnitKind, today

from .. import facts, selectors, services
from ..forms import CaseForm
from ..models import ArrearsCase
from ._common import NAV, ancestors_of, branch_for_view, flash_errors, nav_links


@require_GET
@login_required
def arrears(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    rows = facts.arrears_for_unit(unit, on=today())
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    units = dict(OrgUnit.objects.filter(pk__in={a.unit_id for a in page.object_list}).values_list("pk", "name"))
    return render(request, "dues/arrears.html", {
        "unit": unit, "ancestors": ancestors_of(unit), "page": page,
        "rows": [(a, units.get(a.unit_id, "")) for a in page.object_list], "total": len(rows),
        "cases": selectors.arrears_cases_list(user=request.user, unit=unit)[:50],
        "can_edit": access.can_edit(request.user, unit) and unit.kind == UnitKind.BRANCH,
        "case_form": CaseForm(), "nav_section": NAV, **nav_links(),
        "warn_count": sum(1 for a in rows if a.level != "minor"),
        "lapse_count": sum(1 for a in rows if a.lapse_case),
    })


@require_POST
@login_required
def arrears_open_cases(request: HttpRequest, pk: int) -> HttpResponse:
    unit = branch_for_view(request.user, pk)
    access.require_edit(request.user, unit)
    opened = services.arrears_cases_open(actor=request.user, unit=unit)
    messages.success(request, f"新登记{len(opened)}个连续欠缴满6个月的待处理案例。")
    return redirect("dues:arrears", pk=unit.pk)


@require_POST
@login_required
def case_handle(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_for_edit(request.user, ArrearsCase.objects.select_related("unit"), "unit__path", pk=pk)
    form = CaseForm(request.POST)
    if form.is_valid():
        try:
            services.arrears_case_handle(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, "已记录处理情况。")
    else:
        messages.error(request, "请选择处理结果并填写处理情况。")
    return redirect("dues:arrears", pk=case.unit_id)
