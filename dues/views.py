"""党费 and 积分 pages: thin views over ``dues.services`` / ``dues.points`` and the selectors.

Every unit comes through ``branches.access``: outsiders get 404, read-only accounts (and
committee staff, who review but do not keep branch ledgers) get 403 on any change.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches.forms import add_service_errors
from branches.models import OrgUnit, UnitKind, today
from branches.periods import Period, PeriodError
from members.selectors import person_for_view

from . import points as points_services
from . import selectors, services
from .forms import (
    AnswerForm,
    BaseChangeForm,
    CaseForm,
    EntryForm,
    ObjectionForm,
    PayMonthsForm,
    RemittanceForm,
    SheetForm,
    VoidForm,
    VoluntaryForm,
)
from .models import BASE_CATEGORIES, ArrearsCase, DuesCategory, Payment, PointsEntry, PointsObjection, PointsSheet, Receipt
from .rates import money

NAV = "dues"


def _period(request: HttpRequest, default: Period) -> Period:
    text = request.GET.get("period", "")
    if not text:
        return default
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise Http404(str(exc)) from exc


def _month(text: str) -> dt.date:
    try:
        period = Period.parse(text)
    except PeriodError as exc:
        raise Http404(str(exc)) from exc
    if period.kind != "month":
        raise Http404("请选择月份")
    return period.start


def _branch_for_view(user: Any, pk: int) -> OrgUnit:
    unit = access.unit_for_view(user, pk)
    if unit.kind != UnitKind.BRANCH:
        raise Http404("请选择党支部")
    return unit


def _nav() -> dict[str, Any]:
    """What the tabs link to: this month's sheet, this year's base review, last month's points."""
    month = Period.month_of(today())
    return {"this_month": str(month), "this_year": month.year, "last_month": str(month.previous())}


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _ancestors(unit: OrgUnit) -> Any:
    return OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("depth")


# ---------------------------------------------------------------------------------------------
# Dues pages


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
    period = _period(request, Period(now.year, "year"))
    context: dict[str, Any] = {
        "unit": unit, "period": period, "ancestors": _ancestors(unit), "nav_section": NAV, **_nav(),
        "can_edit": access.can_edit(request.user, unit), "this_month": Period.month_of(now),
        "years": list(range(now.year, now.year - 4, -1)),
    }
    if unit.kind == UnitKind.BRANCH:
        context["figures"], months = selectors.figures_with_months(unit, period)
        context["months"] = [(p, f) for p, f in months if p.start <= now]
        arrears = selectors.arrears_for_unit(unit, on=now)
        context["arrears"] = arrears[:8]
        context["arrears_count"] = len(arrears)
        context["lapse_count"] = sum(1 for a in arrears if a.lapse_case)
        context["payments"] = selectors.payments_list(user=request.user, unit=unit, period=period)[:15]
        return render(request, "dues/branch.html", context)
    if unit.kind == UnitKind.GROUP:
        return redirect("dues:unit", pk=unit.parent_id)
    total, rows = selectors.figures_overview(unit, period)
    context["rows"] = sorted(rows, key=lambda r: (r[1].rate_money is None, r[1].rate_money or 0))
    context["figures"] = total
    context["children"] = OrgUnit.objects.filter(parent=unit, kind=UnitKind.GENERAL_BRANCH)
    return render(request, "dues/committee.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def month_sheet(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    """The month's collection sheet: tick who paid; amounts prefilled with what is due."""
    unit = _branch_for_view(request.user, pk)
    start = _month(month)
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
                    paid[person_id] = money(Decimal(request.POST.get(f"amount_{person_id}", "").strip()))
            except (ValueError, InvalidOperation):
                messages.error(request, "金额应为数字。")
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
                        _flash(request, exc)
                    else:
                        messages.success(request, f"已登记{outcome.recorded}人缴纳党费，共{outcome.total}元。")
                        for warning in outcome.warnings:
                            messages.warning(request, warning)
                        return redirect("dues:sheet", pk=unit.pk, month=month)
    rows = selectors.month_sheet_rows(unit, start)
    due_total = sum((r.due or 0 for r in rows), Decimal("0"))
    paid_total = sum((r.payment.amount for r in rows if r.payment), Decimal("0"))
    period = Period.month_of(start)
    return render(request, "dues/sheet.html", {
        "unit": unit, "ancestors": _ancestors(unit), "month": period, "rows": rows, "form": form,
        "can_edit": can_edit, "missing": sum(1 for r in rows if r.due is None),
        "paid_count": sum(1 for r in rows if r.payment), "due_total": due_total, "paid_total": paid_total,
        "previous": period.previous(), "next": period.next() if period.next().start <= today() else None,
        "nav_section": NAV, **_nav(),
    })


@require_POST
@login_required
def generate(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    unit = _branch_for_view(request.user, pk)
    access.require_edit(request.user, unit)
    start = _month(month)
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


@require_http_methods(["GET", "POST"])
@login_required
def base_review(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """每年初核定: confirm or change every member's category and base for the year in one pass."""
    unit = _branch_for_view(request.user, pk)
    if not 2000 <= year <= today().year + 1:
        raise Http404("年份超出范围")
    can_edit = access.can_edit(request.user, unit)
    rows = selectors.base_review_rows(unit, year)
    errors: dict[int, str] = {}
    if request.method == "POST":
        access.require_edit(request.user, unit)
        changed_ids: list[int] = []
        try:
            with transaction.atomic():
                for row in rows:
                    pid = row.person.pk
                    category = request.POST.get(f"category_{pid}", "")
                    if not category:
                        continue
                    try:
                        base = _decimal(request.POST.get(f"base_{pid}"))
                        amount = _decimal(request.POST.get(f"amount_{pid}"))
                        _, did = services.dues_base_set(
                            actor=request.user, person=row.person, category=category,
                            base=base if category in BASE_CATEGORIES else None, amount=amount,
                            effective_from=dt.date(year, 1, 1),
                            approval_ref=request.POST.get(f"approval_{pid}", ""), note=f"{year}年初核定",
                        )
                        if did:
                            changed_ids.append(pid)
                    except (ValidationError, InvalidOperation) as exc:
                        errors[pid] = "；".join(getattr(exc, "messages", ["金额应为数字"]))
                if errors:
                    raise ValidationError("rollback")
        except ValidationError:
            messages.error(request, f"有{len(errors)}人的基数有误，未保存任何修改，请更正后重新提交。")
        else:
            regenerated = services.dues_regenerate_for(actor=request.user, person_ids=changed_ids,
                                                       since=dt.date(year, 1, 1)) if changed_ids else []
            messages.success(request, f"{year}年党费基数已核定：{len(rows)}人，其中{len(changed_ids)}人有变化，"
                                      f"已重新核算{len(regenerated)}条已生成的应缴。")
            return redirect("dues:bases", pk=unit.pk, year=year)
    post = request.POST if request.method == "POST" else None
    lines = []
    for row in rows:
        pid, current = row.person.pk, row.current
        lines.append({
            "person": row.person, "changed_in_year": row.changed_in_year, "error": errors.get(pid),
            "category": post.get(f"category_{pid}", "") if post else (current.category if current else ""),
            "base": post.get(f"base_{pid}", "") if post else (current.base if current and current.base is not None else ""),
            "amount": post.get(f"amount_{pid}", "") if post else (
                current.amount if current and current.amount is not None else ""),
            "approval": post.get(f"approval_{pid}", "") if post else (current.approval_ref if current else ""),
        })
    return render(request, "dues/bases.html", {
        "unit": unit, "ancestors": _ancestors(unit), "year": year, "rows": lines, "errors": errors,
        "categories": DuesCategory.choices, "base_categories": [c.value for c in BASE_CATEGORIES],
        "can_edit": can_edit, "nav_section": NAV, **_nav(),
    })


def _decimal(text: str | None) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


@require_GET
@login_required
def arrears(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    from django.core.paginator import Paginator

    rows = selectors.arrears_for_unit(unit, on=today())
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    units = dict(OrgUnit.objects.filter(pk__in={a.unit_id for a in page.object_list}).values_list("pk", "name"))
    return render(request, "dues/arrears.html", {
        "unit": unit, "ancestors": _ancestors(unit), "page": page,
        "rows": [(a, units.get(a.unit_id, "")) for a in page.object_list], "total": len(rows),
        "cases": selectors.arrears_cases_list(user=request.user, unit=unit)[:50],
        "can_edit": access.can_edit(request.user, unit) and unit.kind == UnitKind.BRANCH,
        "case_form": CaseForm(), "nav_section": NAV, **_nav(),
        "warn_count": sum(1 for a in rows if a.level != "minor"),
        "lapse_count": sum(1 for a in rows if a.lapse_case),
    })


@require_POST
@login_required
def arrears_open_cases(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _branch_for_view(request.user, pk)
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
            _flash(request, exc)
        else:
            messages.success(request, "已记录处理情况。")
    else:
        messages.error(request, "请选择处理结果并填写处理情况。")
    return redirect("dues:arrears", pk=case.unit_id)


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
    period = _period(request, Period(now.year, "year"))
    quarters = [(q, selectors.figures_for(unit, q)) for q in period.subperiods("quarter") if q.start <= now]
    return render(request, "dues/remittances.html", {
        "unit": unit, "ancestors": _ancestors(unit), "form": form, "can_edit": can_edit, "period": period,
        "quarters": quarters, "figures": selectors.figures_for(unit, period),
        "remittances": selectors.remittances_list(user=request.user, unit=unit)[:60], "nav_section": NAV, **_nav(),
    })


@require_POST
@login_required
def remittance_void(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import Remittance

    remittance = access.get_for_edit(request.user, Remittance.objects.all(), "unit__path", pk=pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.remittance_void(actor=request.user, remittance=remittance, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, "已作废该笔上交。")
    else:
        messages.error(request, "请填写作废原因。")
    return redirect("dues:remittances", pk=remittance.unit_id)


@require_http_methods(["GET", "POST"])
@login_required
def person_dues(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's dues months, payments and receipts; record a month, a quarter's prepayment,
    a 补交 of past months, or a voluntary payment."""
    person = person_for_view(request.user, pk)
    now = today()
    text = request.GET.get("year", "")
    year = int(text) if text.isdecimal() and 2000 <= int(text) <= now.year + 1 else now.year
    ledger = selectors.person_ledger(person, year)
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={r[3] for r in ledger if r[3]})}
    editable = {uid for uid, u in units.items() if access.can_edit(request.user, u)}
    choices = [(f"{m:%Y-%m}", f"{m.month}月（{due if due is not None else '未生成'}元）")
               for m, due, payment, uid in ledger if payment is None and uid in editable and due != 0]
    current_unit = person.memberships.filter(ended_on__isnull=True).select_related("unit").first()
    can_edit = bool(current_unit) and access.can_edit(request.user, current_unit.unit)
    pay_form = PayMonthsForm(request.POST if request.POST.get("action") == "pay" else None, months=choices,
                             initial={"paid_on": now, "method": "微信"})
    voluntary_form = VoluntaryForm(request.POST if request.POST.get("action") == "voluntary" else None,
                                   initial={"paid_on": now, "method": "微信"})
    in_force = services.dues_base_on(person, now)
    base_form = BaseChangeForm(request.POST if request.POST.get("action") == "base" else None, initial={
        "effective_month": f"{now:%Y-%m}", "category": in_force.category if in_force else "在职",
        "base": in_force.base if in_force else None, "amount": in_force.amount if in_force else None,
        "approval_ref": in_force.approval_ref if in_force else ""})
    if request.method == "POST" and request.POST.get("action") == "base":
        if not can_edit:
            raise PermissionDenied("只有党员所在党支部可以调整党费基数。")
        if base_form.is_valid():
            data = base_form.cleaned_data
            try:
                start = _month(data["effective_month"])
            except Http404:
                base_form.add_error("effective_month", "请填写月份，如 2026-07")
            else:
                try:
                    _, changed = services.dues_base_set(
                        actor=request.user, person=person, category=data["category"], base=data["base"],
                        amount=data["amount"], effective_from=start, approval_ref=data["approval_ref"],
                        note=data["note"] or "年中调整")
                except ValidationError as exc:
                    add_service_errors(base_form, exc)
                else:
                    if changed:
                        regenerated = services.dues_regenerate_for(actor=request.user, person_ids=[person.pk],
                                                                   since=start)
                        messages.success(request, f"已调整，自{start:%Y年%m月}起执行；已重新核算{len(regenerated)}个月的应缴。")
                    else:
                        messages.info(request, "与现行基数相同，没有变化。")
                    return redirect("dues:person", pk=person.pk)
    elif request.method == "POST":
        if not (editable or can_edit):
            raise PermissionDenied("您只能查看该党员的党费记录。")
        action = request.POST.get("action")
        form = pay_form if action == "pay" else voluntary_form if action == "voluntary" else None
        if form is None:
            raise Http404("未知操作")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "pay":
                    outcome = services.payments_record(
                        actor=request.user, person=person, months=[_month(m) for m in data["months"]],
                        paid_on=data["paid_on"], method=data["method"], note=data["note"])
                else:
                    if not can_edit:
                        raise PermissionDenied("只有党员所在党支部可以登记自愿多交党费。")
                    outcome = services.payment_voluntary(actor=request.user, person=person, amount=data["amount"],
                                                         paid_on=data["paid_on"], method=data["method"],
                                                         note=data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已登记{len(outcome.payments)}笔，共{outcome.total}元，收据 "
                                          f"{outcome.receipt.number if outcome.receipt else '—'}。")
                for warning in outcome.warnings:
                    messages.warning(request, warning)
                if outcome.receipt:
                    return redirect("dues:receipt", pk=outcome.receipt.pk)
                return redirect("dues:person", pk=person.pk)
    next_quarter = Period.containing(now, "quarter").next()
    return render(request, "dues/person.html", {
        "person": person, "year": year, "ledger": [(m, due, payment, units.get(uid)) for m, due, payment, uid in ledger],
        "pay_form": pay_form, "voluntary_form": voluntary_form, "base_form": base_form,
        "can_pay": bool(choices), "can_edit": can_edit,
        "editable": editable, "next_quarter": next_quarter, "current_unit": current_unit,
        "voluntary": Payment.objects.filter(person=person, kind="voluntary").select_related("receipt"),
        "voided": Payment.objects.filter(person=person, voided_at__isnull=False, month__year=year),
        "bases": person.dues_bases.order_by("-effective_from"), "void_form": VoidForm(), "nav_section": NAV, **_nav(),
    })


@require_POST
@login_required
def person_prepay(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_for_view(request.user, pk)
    membership = person.memberships.filter(ended_on__isnull=True).select_related("unit").first()
    if membership is None or not access.can_edit(request.user, membership.unit):
        raise PermissionDenied("您只能查看该党员的党费记录。")
    try:
        quarter = Period.parse(request.POST.get("quarter", ""))
        outcome = services.payment_prepay_quarter(actor=request.user, person=person, quarter=quarter,
                                                  paid_on=today(), method=request.POST.get("method") or "微信")
    except (PeriodError, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect("dues:person", pk=person.pk)
    messages.success(request, f"已登记预缴{quarter.label}党费{outcome.total}元。")
    return redirect("dues:receipt", pk=outcome.receipt.pk)


@require_POST
@login_required
def payment_void(request: HttpRequest, pk: int) -> HttpResponse:
    payment = access.get_for_edit(request.user, Payment.objects.select_related("person"), "unit__path", pk=pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.payment_void(actor=request.user, payment=payment, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, f"已作废{payment.person.name}{payment.month:%Y年%m月}的缴费记录，该月恢复为欠缴。")
    else:
        messages.error(request, "请填写作废原因。")
    return redirect("dues:person", pk=payment.person_id)


@require_GET
@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    obj = access.get_for_view(request.user, Receipt.objects.select_related("person", "unit"), "unit__path", pk=pk)
    payments = list(obj.payments.order_by("month"))
    return render(request, "dues/receipt.html", {
        "receipt": obj, "payments": payments, "total": sum((p.amount for p in payments), Decimal("0")),
        "nav_section": NAV, **_nav(),
    })


# ---------------------------------------------------------------------------------------------
# Points pages


def _sheet_context(request: HttpRequest, unit: OrgUnit, sheet: PointsSheet) -> dict[str, Any]:
    people = points_services.sheet_people(unit, sheet.month)
    entries = list(sheet.entries.select_related("item").order_by("item__order", "id"))
    by_person: dict[int, list[PointsEntry]] = {}
    for entry in entries:
        by_person.setdefault(entry.person_id, []).append(entry)
    rows = [(p, by_person.get(p.pk, []), sum((e.points for e in by_person.get(p.pk, [])), Decimal("0")))
            for p in people]
    return {"people": people, "rows": rows, "entries": entries}


POINTS_ACTIONS = ("open", "compute", "add", "remove", "review", "publish", "confirm")


def _points_action(request: HttpRequest, unit: OrgUnit, start: dt.date, sheet: PointsSheet | None,
                   action: str) -> PointsSheet:
    """One workflow button of the month's sheet (opening the sheet first if need be)."""
    if sheet is None:
        sheet = points_services.points_sheet_open(actor=request.user, unit=unit, month=start)
    if action == "compute":
        outcome = points_services.points_compute_automatic(actor=request.user, sheet=sheet)
        messages.success(request, "已计算自动项目：" + "，".join(f"{k}{v}人" for k, v in outcome.counted.items()))
        if outcome.not_connected:
            messages.info(request, f"{'、'.join(outcome.not_connected)}须由三会一课出勤记录自动计算，"
                                   "尚未接入，暂不计分。")
    elif action == "add":
        form = EntryForm(request.POST, people=points_services.sheet_people(unit, start),
                         items=sheet.scheme.items.filter(source="manual"))
        if not form.is_valid():
            raise ValidationError([f"{form.fields[f].label}：{'；'.join(e)}" if f in form.fields else
                                   "；".join(e) for f, e in form.errors.items()])
        data = form.cleaned_data
        person = next(p for p in points_services.sheet_people(unit, start) if p.pk == data["person"])
        points_services.points_entry_add(actor=request.user, sheet=sheet, person=person, item=data["item"],
                                         points=data["points"], count=data["count"], note=data["note"],
                                         self_reported=data["self_reported"])
        messages.success(request, f"已为{person.name}记入“{data['item'].name}”。")
    elif action == "remove":
        entry = access.get_or_404(PointsEntry.objects.all(), pk=request.POST.get("entry"), sheet=sheet)
        points_services.points_entry_remove(actor=request.user, entry=entry)
        messages.success(request, "已删除该项。")
    elif action == "review":
        points_services.points_sheet_review(actor=request.user, sheet=sheet)
        messages.success(request, "已进入支部评定。")
    elif action == "publish":
        points_services.points_sheet_publish(actor=request.user, sheet=sheet)
        messages.success(request, f"已公示，公示期至{sheet.publication_ends_on:%Y-%m-%d}。")
    elif action == "confirm":
        points_services.points_sheet_confirm(actor=request.user, sheet=sheet)
        messages.success(request, "积分已确认，本月锁定。")
    return sheet


@require_http_methods(["GET", "POST"])
@login_required
def points_month(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    """Score a month: automatic items, manual items with notes, and the workflow buttons."""
    unit = _branch_for_view(request.user, pk)
    start = _month(month)
    if start > today():
        raise Http404("该月尚未开始")
    can_edit = access.can_edit(request.user, unit)
    sheet = PointsSheet.objects.filter(unit=unit, month=start).select_related("scheme").first()
    if request.method == "POST":
        access.require_edit(request.user, unit)
        action = request.POST.get("action", "")
        if action not in POINTS_ACTIONS:
            raise Http404("未知操作")
        try:
            with transaction.atomic():  # opening the sheet is undone when the action is refused
                sheet = _points_action(request, unit, start, sheet, action)
        except ValidationError as exc:
            _flash(request, exc)
        return redirect("dues:points", pk=unit.pk, month=month)
    period = Period.month_of(start)
    context: dict[str, Any] = {
        "unit": unit, "ancestors": _ancestors(unit), "month": period, "sheet": sheet, "can_edit": can_edit,
        "previous": period.previous(), "next": period.next() if period.next().start <= today() else None,
        "nav_section": NAV, **_nav(), "connected": points_services.connected_sources(),
        "steps": PointsSheet.State.choices,
        "done": _done_states(sheet),
    }
    if sheet is not None:
        context.update(_sheet_context(request, unit, sheet))
        context["form"] = EntryForm(people=context["people"], items=sheet.scheme.items.filter(source="manual"))
        context["items"] = sheet.scheme.items.all()
        context["objections"] = sheet.objections.select_related("person", "concerning")
    return render(request, "dues/points_month.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def points_public(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    """公示: the month's scores as published inside the branch, the window and the objections."""
    unit = _branch_for_view(request.user, pk)
    start = _month(month)
    sheet = get_object_or_404(PointsSheet.objects.select_related("scheme"), unit=unit, month=start)
    if sheet.state not in (PointsSheet.State.PUBLIC, PointsSheet.State.CONFIRMED):
        raise Http404("该月积分尚未公示")
    context = {"unit": unit, "ancestors": _ancestors(unit), "sheet": sheet, "month": Period.month_of(start),
               "can_edit": access.can_edit(request.user, unit), "nav_section": NAV}
    context.update(_sheet_context(request, unit, sheet))
    form = ObjectionForm(request.POST if request.POST.get("action") == "object" else None, people=context["people"],
                         initial={"raised_on": today()})
    if request.method == "POST":
        access.require_edit(request.user, unit)
        people = {p.pk: p for p in context["people"]}
        try:
            if request.POST.get("action") == "object":
                if not form.is_valid():
                    raise ValidationError("请选择提出人并填写异议内容。")
                data = form.cleaned_data
                points_services.points_objection_record(
                    actor=request.user, sheet=sheet, person=people[data["person"]], text=data["text"],
                    raised_on=data["raised_on"], concerning=people.get(data["concerning"]))
                messages.success(request, "已登记异议。")
            elif request.POST.get("action") == "answer":
                objection = access.get_or_404(PointsObjection.objects.all(), pk=request.POST.get("objection"), sheet=sheet)
                answer = AnswerForm(request.POST)
                if not answer.is_valid():
                    raise ValidationError("请填写处理结果。")
                points_services.points_objection_answer(actor=request.user, objection=objection,
                                                        answer=answer.cleaned_data["answer"])
                messages.success(request, "已记录处理结果。")
            else:
                raise Http404("未知操作")
        except ValidationError as exc:
            _flash(request, exc)
        return redirect("dues:points_public", pk=unit.pk, month=month)
    context["rows"] = sorted(context["rows"], key=lambda r: (-r[2], r[0].pinyin))
    context["form"] = form
    context["answer_form"] = AnswerForm()
    context["objections"] = sheet.objections.select_related("person", "concerning")
    return render(request, "dues/points_public.html", context)


def _done_states(sheet: PointsSheet | None) -> list[str]:
    order = [value for value, _ in PointsSheet.State.choices]
    if sheet is None:
        return []
    index = order.index(sheet.state)
    return order[: index + 1] if sheet.state == PointsSheet.State.CONFIRMED else order[:index]


@require_GET
@login_required
def points_year(request: HttpRequest, pk: int) -> HttpResponse:
    """Totals, stars and ranking (only for those who may see the branch or its committee)."""
    unit = access.unit_for_view(request.user, pk)
    now = today()
    period = _period(request, Period(now.year, "year"))
    if period.kind not in ("year", "half"):
        raise Http404("积分按半年或全年汇总")
    totals = points_services.points_totals(unit, period)
    units = dict(OrgUnit.objects.filter(pk__in={t.unit_id for t in totals}).values_list("pk", "name"))
    sheets = PointsSheet.objects.filter(unit__path__startswith=unit.path, month__gte=period.start,
                                        month__lte=period.end).order_by("month")
    return render(request, "dues/points_year.html", {
        "unit": unit, "ancestors": _ancestors(unit), "period": period, "nav_section": NAV, **_nav(),
        "rows": [(t, units.get(t.unit_id, "")) for t in totals], "months": [m for m in period.months() if m.start <= now],
        "sheets": {(s.unit_id, s.month): s for s in sheets} if unit.kind == UnitKind.BRANCH else {},
        "sheet_list": list(sheets) if unit.kind == UnitKind.BRANCH else [],
        "years": list(range(now.year, now.year - 3, -1)),
    })
