"""A unit's dues page (branch ledger or committee overview) and the month's collection sheet."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches.models import OrgUnit, UnitKind, today
from branches.periods import Period, period_param

from .. import facts, selectors, services
from ..forms import SheetForm
from ..rates import MAX_PAYMENT, checked_money
from ._common import NAV, ancestors_of, branch_for_view, flash_errors, month_start, nav_links


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    units = access.home_units(request.user)
    if not units:
        raise Http404("您还没有可查看的党组织。")
    return redirect("dues:unit", pk=units[0].pk)


@require_GET
@login_required
def unit_dues(request: HttpRequest, pk: int) -> HttpResponse:
    """A branch's dues page, or the committee overview for a 党委/党总支."""
    unit = access.unit_for_view(request.user, pk)
    now = today()
    period = period_param(request, default=Period(now.year, "year"))
    context: dict[str, Any] = {
        "unit": unit, "period": period, "ancestors": ancestors_of(unit), "nav_section": NAV, **nav_links(),
        "can_edit": access.can_edit(request.user, unit), "this_month": Period.month_of(now),
        "years": list(range(now.year, now.year - 4, -1)),
        "missing_dues": facts.missing_dues(unit, period, on=now),
    }
    if unit.kind == UnitKind.BRANCH:
        context["figures"], months = facts.figures_with_months(unit, period, on=now)
        context["months"] = [(p, f) for p, f in months if p.start <= now]
        arrears = facts.arrears_for_unit(unit, on=now)
        context["arrears"] = arrears[:8]
        context["arrears_count"] = len(arrears)
        context["lapse_count"] = sum(1 for a in arrears if a.lapse_case)
        context["payments"] = selectors.payments_list(user=request.user, unit=unit, period=period)[:15]
        return render(request, "dues/branch.html", context)
    if unit.kind == UnitKind.GROUP:
        return redirect("dues:unit", pk=unit.parent_id)
    total, rows = facts.figures_overview(unit, period, on=now)
    context["rows"] = sorted(rows, key=lambda r: (r[1].rate_money is None, r[1].rate_money or 0))
    context["figures"] = total
    context["children"] = OrgUnit.objects.filter(parent=unit, kind=UnitKind.GENERAL_BRANCH)
    return render(request, "dues/committee.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def month_sheet(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    """The month's collection sheet: tick who paid; amounts prefilled with what is due."""
    unit = branch_for_view(request.user, pk)
    start = month_start(month)
    if start > today():
        raise Http404("该月尚未开始")
    can_edit = access.can_edit(request.user, unit)
    form = SheetForm(request.POST or None, initial={"paid_on": min(today(), Period.month_of(start).end),
                                                      "method": "微信"})
    if request.method == "POST":
        access.require_edit(request.user, unit)
        if form.is_valid():
            paid: dict[int, Decimal] = {}
            try:
                for key in request.POST.getlist("paid"):
                    person_id = int(key)
                    paid[person_id] = checked_money(request.POST.get(f"amount_{person_id}", ""), maximum=MAX_PAYMENT)
            except ValueError:
                messages.error(request, "勾选的人员无效。")
            except ValidationError as exc:
                flash_errors(request, exc)
            else:
                if not paid:
                    messages.warning(request, "没有勾选任何人。")
                else:
                    try:
                        outcome = services.payments_record_sheet(
                            actor=request.user, unit=unit, month=start, paid=paid,
                            paid_on=form.cleaned_data["paid_on"], method=form.cleaned_data["method"],
                        )
                    except ValidationError as exc:
                        flash_errors(request, exc)
                    else:
                        messages.success(request, f"已登记{outcome.recorded}人缴纳党费，共{outcome.total}元。")
                        for note in outcome.generated:
                            messages.info(request, note)
                        for warning in outcome.warnings:
                            messages.warning(request, warning)
                        return redirect("dues:sheet", pk=unit.pk, month=month)
    rows = selectors.month_sheet_rows(unit, start)
    period = Period.month_of(start)
    return render(request, "dues/sheet.html", {
        "unit": unit, "ancestors": ancestors_of(unit), "month": period, "rows": rows, "form": form,
        "can_edit": can_edit, "missing": sum(1 for r in rows if r.due is None),
        # the counts and sums: the month's figures, as the dues page, the home and the reports read them
        "figures": facts.figures_for(unit, period, on=today()),
        "previous": period.previous(), "next": period.next() if period.next().start <= today() else None,
        "nav_section": NAV, **nav_links(),
    })


@require_POST
@login_required
def top_up(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    """补足 from the month sheet: a further payment for a month paid in part (the row's 补足 button,
    with the sheet's date and method)."""
    unit = branch_for_view(request.user, pk)
    access.require_edit(request.user, unit)
    start = month_start(month)
    form = SheetForm(request.POST)
    person_id = request.POST.get("person", "")
    row = next((r for r in selectors.month_sheet_rows(unit, start) if str(r.person.pk) == person_id), None)
    if row is None or not row.payments:
        messages.error(request, "该党员本月没有可补足的缴费记录，请刷新页面后核对。")
    elif not form.is_valid():
        messages.error(request, "请填写缴纳日期和方式。")
    else:
        try:
            amount = checked_money(request.POST.get(f"topup_{row.person.pk}", ""), maximum=MAX_PAYMENT)
            outcome = services.payment_top_up(
                actor=request.user, person=row.person, month=start, amount=amount,
                paid_on=form.cleaned_data["paid_on"], method=form.cleaned_data["method"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, f"已为{row.person.name}补足{start.month}月党费{outcome.total}元，"
                                      f"收据 {outcome.receipt.number if outcome.receipt else '—'}。")
    return redirect("dues:sheet", pk=unit.pk, month=month)


@require_POST
@login_required
def generate(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    unit = branch_for_view(request.user, pk)
    access.require_edit(request.user, unit)
    start = month_start(month)
    if start > today():
        raise Http404("该月尚未开始")
    report = services.dues_generate(actor=request.user, month=start, unit=unit)
    messages.success(request, report.summary)
    for line in report.changes[:20]:
        messages.info(request, f"变更：{line}")
    for line in report.missing_base[:20]:
        messages.warning(request, f"缺少党费基数：{line}")
    for line in report.stale[:20]:
        messages.warning(request, f"已不应缴（未删除，请核实组织关系）：{line}")
    return redirect("dues:sheet", pk=unit.pk, month=month)
