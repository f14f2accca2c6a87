"""Compliance: a branch's quarter and year, the committee grid, a cell's meetings, past periods, and the section's landing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from branches import access
from branches.models import UnitKind, today
from branches.paging import paged
from branches.periods import Period, period_param

from .. import compliance, facts
from ..models import Meeting
from ._common import SECTION, unit_param

GRID_PAGE_SIZE = 100  # branches a page: a committee of 500 still reads the totals for all of them


@require_GET
@login_required
def compliance_page(request: HttpRequest) -> HttpResponse:
    """A 党支部's compliance for the current quarter and year; a committee goes to the grid."""
    unit = unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    if unit.kind == UnitKind.GROUP:
        unit = unit.parent
    if unit.kind != UnitKind.BRANCH:
        return redirect(f"{reverse('meetings:grid')}?unit={unit.pk}")
    day = today()
    quarter, year = compliance.evaluate_periods(
        unit, [Period.containing(day, "quarter"), Period.containing(day, "year")], on=day)
    todo = []
    for report in (quarter, year):
        for result in report.units:
            for rule in result.rules:
                for part in rule.open_parts(day):
                    todo.append({"unit": result.unit, "rule": rule, "part": part,
                                 "remaining": part.required - part.actual, "days": (part.period.end - day).days,
                                 "word": "对" if rule.code == "talk" or part.rule.counts == "talk" else "次"})
    todo.sort(key=lambda item: (item["part"].period.end, item["rule"].order))
    seen: set[tuple[int, str, str]] = set()
    unique_todo = []
    for item in todo:
        key = (item["unit"].pk, item["rule"].code, str(item["part"].period))
        if key not in seen:
            seen.add(key)
            unique_todo.append(item)
    context = {
        "unit": unit, "quarter": quarter, "year": year, "todo": unique_todo, "today": day,
        "can_create": access.can_edit(request.user, unit), "nav_section": SECTION,
    }
    return render(request, "meetings/compliance.html", context)


@require_GET
@login_required
def compliance_grid(request: HttpRequest) -> HttpResponse:
    unit = unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    period = period_param(request, default=Period.containing(today(), "quarter"))
    grid = facts.branch_compliance(unit, period, today())
    rows = grid.rows
    status_filter = request.GET.get("status", "")
    if status_filter == "late":
        shown = [row for row in rows if row["late"]]
    else:
        shown = [row for row in rows if not status_filter or row["status"] == status_filter]
    context = {
        "unit": unit, "period": period, "columns": grid.columns, "rows": shown, **paged(request, shown, GRID_PAGE_SIZE),
        "totals": {s: sum(1 for r in rows if r["status"] == s) for s in ("met", "due", "missing")},
        "late": sum(1 for r in rows if r["late"]), "total": len(rows),
        "status_filter": status_filter, "previous": str(period.previous()), "next": str(period.next()),
        "periods": [Period.containing(today(), kind) for kind in ("month", "quarter", "half", "year")],
        "units": access.visible_units(request.user).exclude(kind=UnitKind.GROUP).filter(archived_on__isnull=True),
        "nav_section": SECTION,
    }
    return render(request, "meetings/grid.html", context)


@require_GET
@login_required
def compliance_cell(request: HttpRequest) -> HttpResponse:
    """Drill-down: the meetings behind one cell of the grid (a unit, a rule, a period)."""
    unit = unit_param(request, default_home=False)
    if unit is None:
        raise Http404("请选择党组织。")
    period = period_param(request, default=Period.containing(today(), "quarter"))
    code = request.GET.get("code", "")
    report = compliance.evaluate(unit, period)
    results = [(r.unit, r.rule(code)) for r in report.units if r.rule(code)]
    if not results:
        raise Http404("该组织在此期间不适用这项规则。")
    ids = [pk for _, rule in results for pk in rule.meeting_ids]
    meetings = {m.pk: m for m in Meeting.objects.filter(pk__in=ids).select_related("unit")}
    context = {
        "unit": unit, "period": period, "code": code, "on": report.on, "name": results[0][1].name,
        "results": [(u, rule, [(part, [meetings[i] for i in part.meeting_ids]) for part in rule.parts])
                    for u, rule in results],
        "nav_section": SECTION,
    }
    return render(request, "meetings/cell.html", context)


@require_GET
@login_required
def compliance_history(request: HttpRequest) -> HttpResponse:
    """Past periods: the last eight quarters and the last two years, per rule."""
    unit = unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    day = today()
    quarters = []
    period = Period.containing(day, "quarter")
    for _ in range(8):
        period = period.previous()
        quarters.append(period)
    years = [Period.containing(day, "year").previous(), Period.containing(day, "year").previous().previous()]
    columns: dict[str, str] = {}
    table: list[dict[str, Any]] = []
    periods = quarters + years
    if unit.kind == UnitKind.BRANCH:
        for p, report in zip(periods, compliance.evaluate_periods(unit, periods, on=day), strict=True):
            cells = {rule.code: rule for result in report.units for rule in result.rules
                     if result.unit.pk == unit.pk}
            for result in report.units:
                for rule in result.rules:
                    columns.setdefault(rule.code, rule.name)
            table.append({"period": p, "cells": cells, "groups": [r for r in report.units if r.unit.pk != unit.pk]})
    else:  # a committee: each period's branch grid, as the grid page shows it (and caches it)
        for p in periods:
            rows = facts.branch_compliance(unit, p, day).rows
            table.append({"period": p, "summary": {s: sum(1 for r in rows if r["status"] == s)
                                                   for s in ("met", "missing")}, "total": len(rows)})
    for row in table:
        if "cells" in row:
            row["cell_list"] = [row["cells"].get(code) for code in columns]
    context = {"unit": unit, "table": table, "columns": columns, "nav_section": SECTION,
               "is_branch": unit.kind == UnitKind.BRANCH}
    return render(request, "meetings/history.html", context)


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Secretaries land on their branch's compliance; committee staff on the grid."""
    homes = access.home_units(request.user)
    if not homes:
        raise Http404("没有可查看的党组织。")
    unit = homes[0]
    if unit.kind in (UnitKind.BRANCH, UnitKind.GROUP):
        return redirect(f"{reverse('meetings:compliance')}?unit={unit.pk}")
    return redirect(f"{reverse('meetings:grid')}?unit={unit.pk}")
