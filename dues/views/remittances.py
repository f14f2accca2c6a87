"""上交: a branch's remittances to the committee, by quarter."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from branches import access
from branches.forms import add_service_errors
from branches.models import UnitKind, today
from branches.periods import Period, PeriodError, period_param

from .. import facts, selectors, services
from ..forms import RemittanceForm, VoidForm
from ..models import Remittance
from ._common import NAV, ancestors_of, flash_errors, nav_links


@require_http_methods(["GET", "POST"])
@login_required
def remittances(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    can_edit = access.can_edit(request.user, unit) and unit.kind == UnitKind.BRANCH
    now = today()
    form = RemittanceForm(request.POST or None, initial={
        "remitted_on": now, "period": str(Period.containing(now, "quarter").previous())})
    if request.method == "POST":
        access.require_edit(request.user, unit)
        if unit.kind != UnitKind.BRANCH:
            raise PermissionDenied("上交由党支部登记。")
        if form.is_valid():
            data = form.cleaned_data
            try:
                period = Period.parse(data["period"])
                services.remittance_record(actor=request.user, unit=unit, period=period, amount=data["amount"],
                                           to_centre=data["to_centre"] or Decimal("0"),
                                           remitted_on=data["remitted_on"], reference=data["reference"],
                                           note=data["note"])
            except PeriodError as exc:
                form.add_error("period", str(exc))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已登记上交。")
                return redirect("dues:remittances", pk=unit.pk)
    period = period_param(request, default=Period(now.year, "year"), kinds=("year", "half", "quarter"))
    quarters = [(q, facts.figures_for(unit, q, on=now)) for q in period.subperiods("quarter") if q.start <= now]
    return render(request, "dues/remittances.html", {
        "unit": unit, "ancestors": ancestors_of(unit), "form": form, "can_edit": can_edit, "period": period,
        "quarters": quarters, "figures": facts.figures_for(unit, period, on=now),
        "remittances": selectors.remittances_list(user=request.user, unit=unit)[:60], "nav_section": NAV, **nav_links(),
    })


@require_POST
@login_required
def remittance_void(request: HttpRequest, pk: int) -> HttpResponse:
    remittance = access.get_for_edit(request.user, Remittance.objects.all(), "unit__path", pk=pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.remittance_void(actor=request.user, remittance=remittance, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, "已作废该笔上交。")
    else:
        messages.error(request, "请填写作废原因。")
    return redirect("dues:remittances", pk=remittance.unit_id)
