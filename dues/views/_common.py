"""What the dues and points pages share: the section, period and month parameters, tabs, crumbs, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from branches import access
from branches.models import OrgUnit, UnitKind, today
from branches.periods import Period, PeriodError

NAV = "dues"


def period_param(request: HttpRequest, default: Period) -> Period:
    text = request.GET.get("period", "")
    if not text:
        return default
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise Http404(str(exc)) from exc


def month_start(text: str) -> dt.date:
    try:
        period = Period.parse(text)
    except PeriodError as exc:
        raise Http404(str(exc)) from exc
    if period.kind != "month":
        raise Http404("请选择月份")
    return period.start


def branch_for_view(user: Any, pk: int) -> OrgUnit:
    unit = access.unit_for_view(user, pk)
    if unit.kind != UnitKind.BRANCH:
        raise Http404("请选择党支部")
    return unit


def nav_links() -> dict[str, Any]:
    """What the tabs link to: this month's sheet, this year's base review, last month's points."""
    month = Period.month_of(today())
    return {"this_month": str(month), "this_year": month.year, "last_month": str(month.previous())}


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def ancestors_of(unit: OrgUnit) -> Any:
    return OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("depth")
