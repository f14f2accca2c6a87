"""What the dues and points pages share: the section, period and month parameters, tabs, crumbs, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from branches import access
from branches.models import OrgUnit, UnitKind, today
from branches.periods import Period, period_from

NAV = "dues"


def month_start(text: str) -> dt.date:
    """The first day of the month ``text`` names (a bad one: 400 with the reason)."""
    return period_from(text, kinds=("month",)).start


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
