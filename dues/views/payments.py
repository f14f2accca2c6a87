"""A member's dues: months, payments (补交, prepaid quarters, voluntary), voiding, receipts."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches.forms import add_service_errors
from branches.models import OrgUnit, today
from branches.periods import Period, PeriodError
from members.selectors import person_for_view

from .. import selectors, services
from ..forms import STALE_FORM, BaseChangeForm, OneTimeForm, PayMonthsForm, VoidForm, VoluntaryForm
from ..models import Payment, Receipt
from ._common import NAV, flash_errors, month_start, nav_links


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
               for m, due, payments, uid in ledger if not payments and uid in editable and due != 0]
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
                start = month_start(data["effective_month"])
            except BadRequest:
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
        # Before the form's checks: its months are paid now, by this very form submitted before.
        recorded = selectors.receipt_submitted(request.POST.get("submit_token"))
        if recorded is not None:
            return _already_recorded(request, recorded)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "pay":
                    outcome = services.payments_record(
                        actor=request.user, person=person, months=[month_start(m) for m in data["months"]],
                        paid_on=data["paid_on"], method=data["method"], note=data["note"],
                        submit_token=data["submit_token"])
                else:
                    if not can_edit:
                        raise PermissionDenied("只有党员所在党支部可以登记自愿多交党费。")
                    outcome = services.payment_voluntary(actor=request.user, person=person, amount=data["amount"],
                                                         paid_on=data["paid_on"], method=data["method"],
                                                         note=data["note"], submit_token=data["submit_token"])
            except services.AlreadyRecorded as done:
                return _already_recorded(request, done.receipt)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已登记{len(outcome.payments)}笔，共{outcome.total}元，收据 "
                                          f"{outcome.receipt.number if outcome.receipt else '—'}。")
                for note in outcome.generated:
                    messages.info(request, note)
                for warning in outcome.warnings:
                    messages.warning(request, warning)
                if outcome.receipt:
                    return redirect("dues:receipt", pk=outcome.receipt.pk)
                return redirect("dues:person", pk=person.pk)
    next_quarter = Period.containing(now, "quarter").next()
    return render(request, "dues/person.html", {
        "person": person, "year": year,
        "ledger": [(m, due, payments, sum((p.amount for p in payments), Decimal("0.00")), units.get(uid))
                   for m, due, payments, uid in ledger],
        "pay_form": pay_form, "voluntary_form": voluntary_form, "base_form": base_form,
        "can_pay": bool(choices), "can_edit": can_edit, "prepay_token": uuid.uuid4(),
        "editable": editable, "next_quarter": next_quarter, "current_unit": current_unit,
        "voluntary": Payment.objects.filter(person=person, kind="voluntary").select_related("receipt"),
        "voided": Payment.objects.filter(person=person, voided_at__isnull=False, month__year=year),
        "bases": person.dues_bases.order_by("-effective_from"), "void_form": VoidForm(), "nav_section": NAV, **nav_links(),
    })


@require_POST
@login_required
def person_prepay(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_for_view(request.user, pk)
    membership = person.memberships.filter(ended_on__isnull=True).select_related("unit").first()
    if membership is None or not access.can_edit(request.user, membership.unit):
        raise PermissionDenied("您只能查看该党员的党费记录。")
    form = OneTimeForm(request.POST)  # the page's button: a quarter and the form's one-time token
    if not form.is_valid():
        messages.error(request, STALE_FORM)
        return redirect("dues:person", pk=person.pk)
    token = form.cleaned_data["submit_token"]
    try:
        quarter = Period.parse(request.POST.get("quarter", ""))
        outcome = services.payment_prepay_quarter(actor=request.user, person=person, quarter=quarter,
                                                  paid_on=today(), method=request.POST.get("method") or "微信",
                                                  submit_token=token)
    except services.AlreadyRecorded as done:
        return _already_recorded(request, done.receipt)
    except (PeriodError, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect("dues:person", pk=person.pk)
    messages.success(request, f"已登记预缴{quarter.label}党费{outcome.total}元。")
    return redirect("dues:receipt", pk=outcome.receipt.pk)


def _already_recorded(request: HttpRequest, receipt: Receipt) -> HttpResponse:
    """The same payment form submitted again: nothing recorded twice; show what the first recorded."""
    messages.info(request, services.ALREADY_RECORDED)
    return redirect("dues:receipt", pk=receipt.pk)


@require_POST
@login_required
def payment_void(request: HttpRequest, pk: int) -> HttpResponse:
    payment = access.get_for_edit(request.user, Payment.objects.select_related("person"), "unit__path", pk=pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.payment_void(actor=request.user, payment=payment, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            flash_errors(request, exc)
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
        "nav_section": NAV, **nav_links(),
    })
