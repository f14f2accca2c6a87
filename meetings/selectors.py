"""Reads of meetings, always limited to what the user may see (branches/access.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet

from branches import access, caching
from branches.models import COMMITTEE_ROLES, Officer, OrgUnit, UnitKind, in_subtree
from branches.periods import Period
from members.facts import party_memberships_on

from . import compliance
from .models import (
    Amendment,
    AppraisalResult,
    Attendance,
    Meeting,
    MeetingAttachment,
    MeetingStatus,
    Talk,
    Vote,
    attendance_annotations,
)


def attach_counts(meetings: list[Meeting]) -> list[Meeting]:
    """Set each meeting's attendance (``models.attendance_annotations``: n_expected, n_present,
    n_leave, n_absent …) on a page of meetings with one grouped query (annotating the whole list
    would make the paginator count every attendance row)."""
    counts = attendance_annotations()
    rows = Meeting.objects.filter(pk__in=[m.pk for m in meetings]).order_by().annotate(**counts).values("pk", *counts)
    totals = {row.pop("pk"): row for row in rows}
    for meeting in meetings:
        for name, value in totals.get(meeting.pk, dict.fromkeys(counts, 0)).items():
            setattr(meeting, name, value)
    return meetings


def meeting_list(*, user: Any, unit: OrgUnit | None = None, start: dt.date | None = None,
                 end: dt.date | None = None, include_void: bool = False) -> QuerySet[Meeting]:
    """Meetings the user may see (in ``unit``'s subtree, between ``start`` and ``end``), newest
    first; the list page's other filters are ``filters.MeetingFilter``."""
    meetings = access.restrict(Meeting.objects.select_related("unit"), user, "unit__path")
    if unit is not None:
        meetings = meetings.filter(in_subtree(unit, "unit"))
    if not include_void:
        meetings = meetings.exclude(status=MeetingStatus.VOID)
    if start:
        meetings = meetings.filter(date__gte=start)
    if end:
        meetings = meetings.filter(date__lte=end)
    return meetings.order_by("-date", "-start_time", "-id")


def meeting_for_view(user: Any, pk: Any) -> Meeting:
    return access.get_for_view(user, Meeting.objects.select_related("unit"), "unit__path", pk=pk)


DETAIL_PARTS = {"votes": Vote, "appraisals": AppraisalResult, "amendments": Amendment, "attachments": MeetingAttachment}


def meeting_for_page(user: Any, pk: Any) -> Meeting:
    """:func:`meeting_for_view`, also saying which of the meeting's votes, appraisals,
    amendments and attachments exist (``has_votes``…): most meetings have few of them, and
    reading each kind costs a query even when there is none."""
    parts = {f"has_{name}": Exists(model.objects.filter(meeting=OuterRef("pk"))) for name, model in DETAIL_PARTS.items()}
    return access.get_for_view(user, Meeting.objects.select_related("unit").annotate(**parts), "unit__path", pk=pk)


def meeting_parts(meeting: Meeting) -> dict[str, Any]:
    """The votes, appraisal results, amendments and attachments of a meeting read with
    :func:`meeting_for_page`, each kind read only when the meeting has some."""
    rows = {"votes": meeting.votes.all(), "appraisals": meeting.appraisals.select_related("person"),
            "amendments": meeting.amendments.select_related("amended_by"), "attachments": meeting.attachments.all()}
    return {name: list(rows[name]) if getattr(meeting, f"has_{name}") else [] for name in DETAIL_PARTS}


def meeting_for_edit(user: Any, pk: Any) -> Meeting:
    return access.get_for_edit(user, Meeting.objects.select_related("unit"), "unit__path", pk=pk)


def meeting_units(user: Any, *, edit: bool) -> QuerySet[OrgUnit]:
    """The 党支部 and 党小组 the user may record (or see) meetings for."""
    units = access.editable_units(user) if edit else access.visible_units(user)
    return units.filter(kind__in=(UnitKind.BRANCH, UnitKind.GROUP), archived_on__isnull=True).order_by("path")


def appraisals_of(person: Any) -> QuerySet[AppraisalResult]:
    """民主评议 grades of a member (for the member's history), confirmed meetings only."""
    return (
        AppraisalResult.objects.filter(person=person, meeting__status=MeetingStatus.CONFIRMED)
        .select_related("meeting", "meeting__unit").order_by("-meeting__date")
    )


def attendance_of(user: Any, person: Any) -> QuerySet[Any]:
    """A person's attendance at confirmed meetings the user may see, newest first."""
    return (
        access.restrict(Attendance.objects.filter(person=person, meeting__status=MeetingStatus.CONFIRMED), user,
                        "meeting__unit__path")
        .select_related("meeting", "meeting__unit").order_by("-meeting__date", "-meeting_id")
    )


def talk_list(*, user: Any, unit: OrgUnit) -> QuerySet[Talk]:
    return access.restrict(Talk.objects.filter(unit=unit), user, "unit__path").select_related("officer", "member")


def talks_owed(unit: OrgUnit, talks: list[Talk], day: dt.date) -> list[tuple[Any, list[Any]]]:
    """For each 支委 in office on ``day``: the party members they have not talked with in ``talks``."""
    officers = {o.person_id: o.person for o in Officer.objects.filter(
        unit=unit, role__in=COMMITTEE_ROLES).in_office_on(day).select_related("person")}
    members = {m.person_id: m.person for m in party_memberships_on(unit, day).select_related("person")}
    members.update(officers)
    talked = {frozenset((t.officer_id, t.member_id)) for t in talks if not t.is_voided}
    result = []
    for officer_id, officer in sorted(officers.items(), key=lambda item: item[1].pinyin):
        missing = [person for pk, person in sorted(members.items(), key=lambda item: item[1].pinyin)
                   if pk != officer_id and frozenset((officer_id, pk)) not in talked]
        if missing:
            result.append((officer, missing))
    return result


@dataclass
class BranchGrid:
    """A subtree's compliance for a period, one row per 党支部, in plain values (cheap to cache):
    ``columns`` (rule code, name); each row has ``unit`` (pk, name, code), ``cells`` (one per
    column, None where the rule does not apply), ``status``, ``late`` and ``due_by``. A cell has
    ``status`` (met / due / missing, window by window: ``compliance.rule_status``), ``late`` (⚠:
    未完成 while the period still runs), ``missed`` (the windows closed unmet), ``text`` and
    ``title`` — what the grid and the home heat map both show."""

    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]


def branch_grid(root: OrgUnit, period: Period, on: dt.date) -> BranchGrid:
    """The committee grid and heat map of ``root``'s 党支部 (their 党小组's rules folded into the
    branch's cell, taking the worst), cached until a service writes what the evaluation reads."""
    key = caching.versioned_key("branch-grid", root.pk, period, on, subjects=compliance.SUBJECTS)
    return cache.get_or_set(key, lambda: _branch_grid(compliance.evaluate(root, period, on=on)))


def _worst(statuses: set[str]) -> str:
    return "missing" if "missing" in statuses else "due" if "due" in statuses else "met"


def window_label(period: Period) -> str:
    """A window named within its year, as a cell's note reads it: 11月, 第三季度, 上半年."""
    return period.label if period.kind == "year" else period.label.removeprefix(f"{period.year}年")


def _cell(code: str, parts: list[compliance.RuleResult], period: Period, on: dt.date) -> dict[str, Any]:
    status = _worst({p.status for p in parts})
    late = status == "missing" and not period.end < on
    windows = sorted({part.period for p in parts for part in p.missed_parts(on)}, key=lambda w: (w.start, w.end))
    missed = list(dict.fromkeys(window_label(window) for window in windows))
    due_by = min((p.due_by(on) for p in parts if p.due_by(on)), default=None)
    required, held = sum(p.required for p in parts), sum(p.held for p in parts)
    notes = [f"{'、'.join(missed)}未完成"] if missed else []
    if due_by:
        notes.append(f"{due_by.month}月{due_by.day}日前完成{'本期' if not missed else '其余'}要求")
    return {"code": code, "required": required, "held": held, "status": status, "due_by": due_by, "late": late,
            "missed": missed, "text": f"{'⚠ ' if late else ''}{held}/{required}",
            "title": f"{compliance.STATUS_LABELS[status]}" + (f"：{'；'.join(notes)}" if notes else f" {held}/{required}")}


def _branch_grid(report: compliance.Report) -> BranchGrid:
    groups: dict[int, list[compliance.UnitResult]] = defaultdict(list)
    for result in report.units:
        if result.unit.kind == UnitKind.GROUP:
            groups[result.unit.parent_id].append(result)
    rows = []
    for result in report.units:
        if result.unit.kind != UnitKind.BRANCH:
            continue
        cells: list[dict[str, Any] | None] = []
        for code, _ in report.columns:
            rule = result.rule(code)
            parts = [rule] if rule is not None else [g.rule(code) for g in groups[result.unit.pk] if g.rule(code)]
            cells.append(_cell(code, parts, report.period, report.on) if parts else None)
        unit = result.unit
        rows.append({"unit": {"pk": unit.pk, "name": unit.name, "code": unit.code}, "cells": cells,
                     "status": _worst({c["status"] for c in cells if c}), "late": any(c["late"] for c in cells if c),
                     "due_by": min((c["due_by"] for c in cells if c and c["due_by"]), default=None)})
    rows.sort(key=lambda row: row["unit"]["code"])
    return BranchGrid(list(report.columns), rows)
