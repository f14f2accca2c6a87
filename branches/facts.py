"""Facts of the organisation tree: which units, terms and officers a subtree had, as of a date.

The facts layer (design.md, "One facts layer"; the catalogue of figures is ``docs/figures.md``):
each app's ``facts.py`` answers "which records does this figure count" for a subtree and a date
window, as of the window's end, either as the queryset of those records (a report's drill-down
lists exactly what its figure counts) or as per-unit aggregates for many units at once in a fixed
number of queries (a scorecard computes every branch of a committee together). Work reports,
scorecards, dashboards, the grid and the exports read figures only through these functions, so a
figure two pages show comes from one function.

This module also holds what the other facts modules share: :class:`Window` and
:func:`units_on_path` (a row of a unit counts for the unit and every ancestor asked about).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from .models import Officer, OrgUnit, Term, UnitKind, in_subtree, today
from .periods import Period
from .selectors import TermStatus, outermost, term_status


@dataclass(frozen=True)
class Window:
    """The days a figure covers, ``start`` to ``end`` inclusive, read as of ``end``: the period's
    last day, or today while the period is still running (``running``; pages say so)."""

    start: dt.date
    end: dt.date
    running: bool = False

    @classmethod
    def of(cls, period: Period, on: dt.date | None = None) -> Window:
        """``period`` as of ``on`` (default today): cut at ``on`` while it runs."""
        day = on or today()
        return cls(period.start, min(period.end, day), running=day < period.end)

    @property
    def range(self) -> tuple[dt.date, dt.date]:
        """For ``__range`` lookups."""
        return (self.start, self.end)


def units_on_path(path: str, wanted: Collection[int]) -> list[int]:
    """The ids of ``wanted`` on ``path`` (a unit's materialised path): the units whose subtree a
    record of that unit falls in. Per-unit aggregates sum a subtree this way: a 党小组's meeting
    counts for its 党支部, a 党支部's for its 党总支 and 党委."""
    return [int(part) for part in path.strip("/").split("/") if part and int(part) in wanted]


# ---------------------------------------------------------------------------------------------
# Units


def existing_on(on: dt.date, via: str = "") -> Q:
    """The condition "the unit exists on ``on``": founded by then (or no date recorded) and not
    yet dissolved (``archived_on`` is the first day it no longer exists)."""
    prefix = f"{via}__" if via else ""
    return ((Q(**{f"{prefix}archived_on__isnull": True}) | Q(**{f"{prefix}archived_on__gt": on}))
            & (Q(**{f"{prefix}founded_on__isnull": True}) | Q(**{f"{prefix}founded_on__lte": on})))


def units_on(unit: OrgUnit, on: dt.date, kind: str | None = None) -> QuerySet[OrgUnit]:
    """The units of ``unit``'s subtree (of ``kind`` when given) existing on ``on``, by path."""
    units = OrgUnit.objects.filter(in_subtree(unit), existing_on(on))
    if kind:
        units = units.filter(kind=kind)
    return units.order_by("path")


def unit_counts(roots: Iterable[OrgUnit], on: dt.date) -> dict[str, int]:
    """How many units of each kind the subtrees of ``roots`` have on ``on`` (every kind present,
    0 when none): :func:`units_on` counted, in one query."""
    condition = Q()
    for root in outermost(list(roots)):
        condition |= in_subtree(root)
    counts = {kind: 0 for kind in UnitKind.values}
    if condition:
        rows = OrgUnit.objects.filter(condition, existing_on(on)).order_by().values_list("kind").annotate(n=Count("id"))
        counts.update(dict(rows))
    return counts


def units_during(unit: OrgUnit, start: dt.date, end: dt.date, kinds: Iterable[str]) -> QuerySet[OrgUnit]:
    """The units of those ``kinds`` under ``unit`` that existed at some time from ``start`` to
    ``end`` (the 党支部 a scorecard ranks, the units the compliance engine checks), by path."""
    return (OrgUnit.objects.filter(in_subtree(unit), kind__in=list(kinds))
            .filter(Q(archived_on__isnull=True) | Q(archived_on__gte=start))
            .filter(Q(founded_on__isnull=True) | Q(founded_on__lte=end))
            .order_by("path"))


def groups_by_branch(branches: Iterable[OrgUnit], on: dt.date) -> dict[int, int]:
    """How many 党小组 each of ``branches`` has on ``on`` (one query; absent: none)."""
    rows = (OrgUnit.objects.filter(parent__in=list(branches), kind=UnitKind.GROUP).filter(existing_on(on))
            .order_by().values("parent_id").annotate(n=Count("id")).values_list("parent_id", "n"))
    return dict(rows)


# ---------------------------------------------------------------------------------------------
# Terms (换届)


def terms_elected(unit: OrgUnit, window: Window) -> QuerySet[Term]:
    """完成换届: the terms of units under ``unit`` that began within ``window``."""
    return (Term.objects.filter(in_subtree(unit, "unit"), started_on__range=window.range)
            .select_related("unit").order_by("started_on", "id"))


def latest_terms(units: Iterable[OrgUnit], on: dt.date) -> dict[int, Term]:
    """Each unit's term in force on ``on``: the latest begun by then (one query; absent: none)."""
    latest: dict[int, Term] = {}
    for term in Term.objects.filter(unit__in=list(units), started_on__lte=on).order_by("unit_id", "-started_on"):
        latest.setdefault(term.unit_id, term)
    return latest


def term_statuses(units: Iterable[OrgUnit], on: dt.date) -> dict[int, TermStatus]:
    """换届 status of each unit on ``on`` (``branches.selectors.term_status`` of its latest term):
    none / ok / due (within 6 months) / overdue (ended before ``on`` with no new term)."""
    units = list(units)
    terms = latest_terms(units, on)
    return {unit.pk: term_status(terms.get(unit.pk), on) for unit in units}


def terms_overdue(unit: OrgUnit, on: dt.date) -> QuerySet[Term]:
    """换届超期: for each unit under ``unit`` existing on ``on``, its latest term begun by then,
    when that term ended before ``on`` — what :func:`term_statuses` calls overdue."""
    newer = Term.objects.filter(unit=OuterRef("unit"), started_on__gt=OuterRef("started_on"), started_on__lte=on)
    return (Term.objects.filter(in_subtree(unit, "unit"), existing_on(on, "unit"), started_on__lte=on, ends_on__lt=on)
            .exclude(Exists(newer)).select_related("unit").order_by("ends_on", "id"))


# ---------------------------------------------------------------------------------------------
# Officers


def officers_in_office(units: Iterable[OrgUnit], on: dt.date) -> dict[int, list[Officer]]:
    """The officers of each unit in office on ``on`` (``Officer.in_office_on``; one query)."""
    officers: dict[int, list[Officer]] = defaultdict(list)
    for officer in Officer.objects.filter(unit__in=list(units)).in_office_on(on).order_by("unit_id", "role", "id"):
        officers[officer.unit_id].append(officer)
    return officers


def officer_changes(unit: OrgUnit, window: Window) -> QuerySet[Officer]:
    """委员调整: appointments and departures of officers under ``unit`` within ``window``."""
    return (Officer.objects.filter(in_subtree(unit, "unit"))
            .filter(Q(started_on__range=window.range) | Q(ended_on__range=window.range))
            .select_related("unit", "person").order_by("started_on", "id"))
