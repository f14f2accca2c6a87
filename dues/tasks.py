"""Thin Celery tasks: take ids, re-check permission, call a service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.contrib.auth import get_user_model

from branches import access
from branches.models import OrgUnit, today
from branches.periods import Period

from .services import arrears_cases_open, arrears_notify, dues_generate


@shared_task(name="dues.tasks.generate_month")
def generate_month(month: str | None = None) -> str:
    """Beat, on the 1st: the month's amounts due for everyone, then open 自行脱党 cases."""
    period = Period.parse(month) if month else Period.month_of(today())
    report = dues_generate(actor=None, month=period.start)
    for branch in OrgUnit.objects.branches().active():
        arrears_notify(arrears_cases_open(actor=None, unit=branch, on=today()))
    return report.summary


@shared_task(name="dues.tasks.generate_for_unit")
def generate_for_unit(user_id: int, unit_id: int, month: str) -> str:
    """A secretary asked to (re)generate their branch's month from the browser."""
    user = get_user_model().objects.get(pk=user_id)
    unit = OrgUnit.objects.get(pk=unit_id)
    access.require_edit(user, unit)
    start = dt.date.fromisoformat(f"{month}-01")
    return dues_generate(actor=user, month=start, unit=unit).summary
