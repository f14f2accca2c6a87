"""Reads of the organisation tree, always limited to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from . import access
from .models import COMMITTEE_ROLES, Officer, OrgUnit, Term, path_within, today
from .periods import add_months

REMINDER_MONTHS = (6, 3, 1)
MAX_BRANCH_MEMBERS = 50
COMMITTEE_THRESHOLD = 7
MIN_FULL_MEMBERS = 3


@dataclass(frozen=True)
class TermStatus:
    term: Term | None
    code: str  # none / ok / due / overdue
    months_left: int | None
    label: str

    @property
    def css(self) -> str:
        return {"overdue": "danger", "due": "warning", "none": "secondary"}.get(self.code, "success")


def term_status(term: Term | None, on: dt.date | None = None) -> TermStatus:
    """换届 status: due within 6 months (reminders at 6/3/1), overdue after the end."""
    day = on or today()
    if term is None:
        return TermStatus(None, "none", None, "未记录换届")
    if term.ends_on < day:
        return TermStatus(term, "overdue", None, f"已于{term.ends_on:%Y-%m-%d}届满，应尽快换届")
    for months in REMINDER_MONTHS[::-1]:
        if add_months(day, months) >= term.ends_on:
            return TermStatus(term, "due", months, f"{months}个月内届满（{term.ends_on:%Y-%m-%d}），请做好换届准备")
    if add_months(day, REMINDER_MONTHS[0]) >= term.ends_on:  # pragma: no cover - covered by loop
        return TermStatus(term, "due", 6, "")
    return TermStatus(term, "ok", None, f"任期至{term.ends_on:%Y-%m-%d}")


def reminder_threshold(term: Term, on: dt.date) -> int | None:
    """Which of the 6/3/1-month reminders is due on ``on`` (the smallest reached), or None."""
    reached = [months for months in REMINDER_MONTHS if add_months(on, months) >= term.ends_on]
    return min(reached) if reached and term.ends_on >= on else None


def current_terms(units: list[OrgUnit]) -> dict[int, Term]:
    """The latest term of each unit, in one query."""
    latest: dict[int, Term] = {}
    for term in Term.objects.filter(unit__in=units).order_by("unit_id", "-started_on"):
        latest.setdefault(term.unit_id, term)
    return latest


def outermost(units: list[OrgUnit]) -> list[OrgUnit]:
    """The units of ``units`` not inside another one of them."""
    tops: list[OrgUnit] = []
    for unit in sorted(units, key=lambda u: u.path):
        if not tops or not path_within(unit.path, tops[-1].path):
            tops.append(unit)
    return tops


def committee_officer_count(officers: list[Officer], on: dt.date | None = None) -> int:
    """The 委员 (书记 and 委员 roles) among ``officers`` in office: still in office, or on ``on``."""
    return sum(1 for officer in officers if officer.role in COMMITTEE_ROLES
               and (officer.ended_on is None if on is None else officer.in_office_on(on)))


def has_committee(officers: list[Officer], on: dt.date | None = None) -> bool:
    """A 支委会 exists when at least three 委员 are in office (书记 and 委员 roles): now, or on ``on``."""
    return committee_officer_count(officers, on) >= 3


def unit_list(*, user: Any, include_archived: bool = False) -> QuerySet[OrgUnit]:
    qs = access.visible_units(user)
    if not include_archived:
        qs = qs.filter(archived_on__isnull=True)
    return qs.order_by("path")


def officers_of(unit: OrgUnit, *, current_only: bool = False) -> QuerySet[Officer]:
    qs = Officer.objects.filter(unit=unit).select_related("person")
    if current_only:
        qs = qs.filter(ended_on__isnull=True)
    return qs.order_by("ended_on", "role", "-started_on")
