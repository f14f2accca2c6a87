"""积分 (a ledger of its own): scoring a month, the 公示 and its objections, the year's totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from branches import access
from branches.facts import Window
from branches.models import OrgUnit, UnitKind, today
from branches.periods import Period, period_param

from .. import facts
from .. import points as points_services
from ..forms import AnswerForm, EntryForm, ObjectionForm
from ..models import PointsEntry, PointsObjection, PointsSheet
from ._common import NAV, ancestors_of, branch_for_view, flash_errors, month_start, nav_links


def _sheet_context(request: HttpRequest, unit: OrgUnit, sheet: PointsSheet) -> dict[str, Any]:
    people = points_services.sheet_people(unit, sheet.month)
    entries = list(sheet.entries.select_related("item").order_by("item__order", "id"))
    by_person: dict[int, list[PointsEntry]] = {}
    for entry in entries:
        by_person.setdefault(entry.person_id, []).append(entry)
    rows = [(p, by_person.get(p.pk, []), sum((e.points for e in by_person.get(p.pk, [])), Decimal("0")))
            for p in people]
    return {"people": people, "rows": rows, "entries": entries}


def _early_reason(request: HttpRequest) -> str:
    """The reason for scoring or publishing a month not yet over, when 提前 is ticked."""
    return request.POST.get("early_reason", "") if request.POST.get("early") else ""


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
        points_services.points_sheet_review(actor=request.user, sheet=sheet, early_reason=_early_reason(request))
        messages.success(request, "已进入支部评定。")
    elif action == "publish":
        points_services.points_sheet_publish(actor=request.user, sheet=sheet, early_reason=_early_reason(request))
        messages.success(request, f"已公示，公示期至{sheet.publication_ends_on:%Y-%m-%d}。")
    elif action == "confirm":
        points_services.points_sheet_confirm(actor=request.user, sheet=sheet)
        messages.success(request, "积分已确认，本月锁定。")
    return sheet


@require_http_methods(["GET", "POST"])
@login_required
def points_month(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    """Score a month: automatic items, manual items with notes, and the workflow buttons."""
    unit = branch_for_view(request.user, pk)
    start = month_start(month)
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
            flash_errors(request, exc)
        return redirect("dues:points", pk=unit.pk, month=month)
    period = Period.month_of(start)
    context: dict[str, Any] = {
        "unit": unit, "ancestors": ancestors_of(unit), "month": period, "sheet": sheet, "can_edit": can_edit,
        "previous": period.previous(), "next": period.next() if period.next().start <= today() else None,
        "nav_section": NAV, **nav_links(), "connected": points_services.connected_sources(),
        "steps": PointsSheet.State.choices, "month_running": not period.end < today(),
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
    unit = branch_for_view(request.user, pk)
    start = month_start(month)
    sheet = get_object_or_404(PointsSheet.objects.select_related("scheme"), unit=unit, month=start)
    if sheet.state not in (PointsSheet.State.PUBLIC, PointsSheet.State.CONFIRMED):
        raise Http404("该月积分尚未公示")
    context = {"unit": unit, "ancestors": ancestors_of(unit), "sheet": sheet, "month": Period.month_of(start),
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
            flash_errors(request, exc)
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
    period = period_param(request, default=Period(now.year, "year"), kinds=("year", "half"))
    totals = points_services.points_totals(unit, period)
    units = dict(OrgUnit.objects.filter(pk__in={t.unit_id for t in totals}).values_list("pk", "name"))
    sheets = facts.points_sheets(unit, Window(period.start, period.end))
    return render(request, "dues/points_year.html", {
        "unit": unit, "ancestors": ancestors_of(unit), "period": period, "nav_section": NAV, **nav_links(),
        "rows": [(t, units.get(t.unit_id, "")) for t in totals], "months": [m for m in period.months() if m.start <= now],
        "sheets": {(s.unit_id, s.month): s for s in sheets} if unit.kind == UnitKind.BRANCH else {},
        "sheet_list": list(sheets) if unit.kind == UnitKind.BRANCH else [],
        "years": list(range(now.year, now.year - 3, -1)),
    })
