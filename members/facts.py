"""Facts of the people: members by status on a date, 发展党员 steps reached and overdue, transfers
in and out of a subtree, recognitions and care (the facts layer: ``branches/facts.py``; the
catalogue of figures: ``docs/figures.md``).

A person's status on a date is read from their dates (``applied_on`` … ``full_on``), not from
the status they have today, so a past period is counted as it stood: :func:`status_on`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, Exists, F, FilteredRelation, Min, OuterRef, Q, QuerySet, Sum, Value, When

from branches.facts import Window, units_on_path
from branches.models import OrgUnit, UnitKind, in_subtree, today
from branches.selectors import outermost

from .development import Progress
from .models import (
    PARTY_MEMBER_STATUSES,
    PIPELINE_STATUSES,
    EventKind,
    MemberEvent,
    Membership,
    Person,
    Recognition,
    RecognitionKind,
    Status,
)
from .selectors import progress_of, steps_of

# ---------------------------------------------------------------------------------------------
# Status on a date

# Each status and the date that starts it, from the furthest on.
_STATUS_DATES = ((Status.FULL, "full_on"), (Status.PROBATIONARY, "probationary_on"), (Status.CANDIDATE, "candidate_on"),
                 (Status.ACTIVIST, "activist_on"))


def status_on(day: dt.date, via: str = "") -> Case:
    """The status a person had on ``day`` (an expression over ``Person``, or over rows reaching
    it through ``via``): the furthest status whose date is on or before ``day`` — or, where that
    date was never recorded, the status they have now — else 申请人."""
    prefix = f"{via}__" if via else ""
    return Case(
        *[When(Q(**{f"{prefix}{field}__lte": day}) | Q(**{f"{prefix}{field}__isnull": True, f"{prefix}status": status}),
               then=Value(status.value)) for status, field in _STATUS_DATES],
        default=Value(Status.APPLICANT.value), output_field=CharField(),
    )


@dataclass
class UnitCounts:
    full: int = 0
    probationary: int = 0
    pipeline: int = 0

    @property
    def party_members(self) -> int:
        return self.full + self.probationary

    def add(self, status: str, n: int) -> None:
        if status == Status.FULL:
            self.full += n
        elif status == Status.PROBATIONARY:
            self.probationary += n
        else:
            self.pipeline += n


def member_counts(units: list[OrgUnit], on: dt.date | None = None) -> dict[int, UnitCounts]:
    """The people of each unit's subtree on ``on`` (default today) by their status that day
    (:func:`status_on`), in one query: :func:`members_on` counted for many units at once."""
    day = on or today()
    if not units:
        return {}
    path_filter = Q()
    for unit in outermost(units):  # a subtree's members are found through its top unit alone
        path_filter |= in_subtree(unit, "group" if unit.kind == UnitKind.GROUP else "unit")
    rows = (
        Membership.objects.active_on(day).filter(path_filter)
        .annotate(status_then=status_on(day, "person"))
        .order_by().values("unit__path", "group_id", "status_then").annotate(n=Count("id"))
    )
    result = {unit.pk: UnitCounts() for unit in units}
    for row in rows:
        # A branch's members count for the branch and every ancestor in the list; a 党小组's
        # members (memberships of its branch naming the group) for the group too.
        for unit_id in units_on_path(row["unit__path"], result):
            result[unit_id].add(row["status_then"], row["n"])
        if row["group_id"] in result:
            result[row["group_id"]].add(row["status_then"], row["n"])
    return result


def memberships_on(unit: OrgUnit, on: dt.date) -> QuerySet[Membership]:
    """The memberships in force on ``on`` in ``unit``'s subtree (the roster of that day)."""
    via = "group" if unit.kind == UnitKind.GROUP else "unit"
    return Membership.objects.active_on(on).filter(in_subtree(unit, via))


def members_on(unit: OrgUnit, on: dt.date, status: str) -> QuerySet[Person]:
    """正式党员 / 预备党员 …: the people of ``unit``'s subtree on ``on`` whose status that day
    (:func:`status_on`) was ``status``, by pinyin. ``member_counts`` counts the same people."""
    belonged = memberships_on(unit, on).filter(person=OuterRef("pk"))
    return (Person.objects.filter(Exists(belonged)).annotate(status_then=status_on(on))
            .filter(status_then=status).order_by("pinyin", "pk"))


def party_memberships_on(unit: OrgUnit, on: dt.date) -> QuerySet[Membership]:
    """The memberships in force on ``on`` in ``unit``'s subtree of people who were party members
    (预备党员 or 正式党员) that day: who is owed a 谈心谈话, who counts in a branch's size."""
    return (memberships_on(unit, on).annotate(status_then=status_on(on, "person"))
            .filter(status_then__in=[status.value for status in PARTY_MEMBER_STATUSES]))


def first_joined(person_ids: Iterable[int] | QuerySet) -> dict[tuple[int, int], dt.date]:
    """``{(person, branch): the first day the person belonged to the branch}`` (one query; the
    people as ids or as a query of ``person_id``)."""
    ids = person_ids if isinstance(person_ids, QuerySet) else list(person_ids)
    rows = (Membership.objects.filter(person_id__in=ids).order_by()
            .values("person_id", "unit_id").annotate(first=Min("started_on")))
    return {(row["person_id"], row["unit_id"]): row["first"] for row in rows}


# ---------------------------------------------------------------------------------------------
# 发展党员

# The stage a person reaches and the date on the person that records it.
DEVELOPMENT_DATES = {"applied": "applied_on", "activist": "activist_on", "candidate": "candidate_on",
                     "probationary": "probationary_on", "full": "full_on"}


def development_in(unit: OrgUnit, window: Window, stage: str) -> QuerySet[Person]:
    """The people who reached ``stage`` (递交申请 / 确定积极分子 / 确定发展对象 / 接收预备党员 /
    转正, :data:`DEVELOPMENT_DATES`) within ``window`` and have ever belonged to ``unit``'s
    subtree, by that date."""
    field = DEVELOPMENT_DATES[stage]
    belonged = Membership.objects.filter(in_subtree(unit, "unit"), person=OuterRef("pk"))
    return Person.objects.filter(Exists(belonged), **{f"{field}__range": window.range}).order_by(field, "pk")


@dataclass
class PipelineEntry:
    person: Person
    unit_id: int  # the branch the person currently belongs to
    progress: Progress


def _pipeline_people(unit: OrgUnit) -> QuerySet[Person]:
    """Everyone now in the 发展 pipeline (申请人 … 预备党员) whose current branch is under ``unit``."""
    return Person.objects.annotate(
        current=FilteredRelation("memberships", condition=Q(memberships__ended_on__isnull=True)),
    ).filter(in_subtree(unit, "current__unit"), status__in=PIPELINE_STATUSES)


def pipeline(unit: OrgUnit, on: dt.date | None = None) -> list[PipelineEntry]:
    """Everyone now in the 发展 pipeline under ``unit`` with their progress judged on ``on``
    (default today) — the steps on record are today's (2 queries)."""
    queryset = _pipeline_people(unit)
    people = list(queryset.annotate(branch_id=F("current__unit_id")))
    steps = steps_of(queryset, people)
    day = on or today()
    return [PipelineEntry(person, person.branch_id, progress_of(person, steps=steps.get(person.pk, []), on=day))
            for person in people]


def overdue_pipeline(unit: OrgUnit, on: dt.date | None = None) -> list[PipelineEntry]:
    """发展环节超期: the people of :func:`pipeline` with at least one step past its time limit."""
    return [entry for entry in pipeline(unit, on) if entry.progress.overdue]


def overdue_pipeline_by_unit(unit: OrgUnit, on: dt.date | None = None) -> dict[int, list[PipelineEntry]]:
    """:func:`overdue_pipeline` grouped by each person's current branch."""
    result: dict[int, list[PipelineEntry]] = defaultdict(list)
    for entry in overdue_pipeline(unit, on):
        result[entry.unit_id].append(entry)
    return result


def pipeline_counts(unit: OrgUnit) -> dict[str, int]:
    """The people of :func:`pipeline` by their status (every pipeline status present; 1 query)."""
    counts = {status.value: 0 for status in PIPELINE_STATUSES}
    counts.update(dict(_pipeline_people(unit).order_by().values_list("status").annotate(n=Count("id"))))
    return counts


# ---------------------------------------------------------------------------------------------
# Transfers (组织关系转接)


def transfers_in(unit: OrgUnit, window: Window) -> QuerySet[MemberEvent]:
    """转入: members arriving in ``unit``'s subtree from outside it within ``window`` (a transfer
    between two units of the subtree is not one)."""
    inside_to, inside_from = in_subtree(unit, "to_unit"), in_subtree(unit, "from_unit")
    return _events(window).filter(Q(inside_to, kind=EventKind.TRANSFER_IN)
                                  | Q(Q(kind=EventKind.TRANSFER_OUT) & inside_to & ~inside_from))


def transfers_out(unit: OrgUnit, window: Window) -> QuerySet[MemberEvent]:
    """转出: members leaving ``unit``'s subtree for a unit outside it within ``window``."""
    inside_to, inside_from = in_subtree(unit, "to_unit"), in_subtree(unit, "from_unit")
    return _events(window).filter(Q(kind=EventKind.TRANSFER_OUT) & inside_from & ~inside_to)


def _events(window: Window) -> QuerySet[MemberEvent]:
    return (MemberEvent.objects.filter(date__range=window.range).select_related("person", "from_unit", "to_unit")
            .order_by("date", "id"))


# ---------------------------------------------------------------------------------------------
# Recognitions and care (评优表彰, 党内关怀)


def recognitions(unit: OrgUnit, window: Window, kind: str) -> QuerySet[Recognition]:
    """Recognitions of ``kind`` (not voided) recorded under ``unit`` with a date in ``window``."""
    return (Recognition.objects.filter(in_subtree(unit, "unit"), kind=kind, voided_at__isnull=True,
                                       date__range=window.range)
            .select_related("unit", "person").order_by("date", "id"))


def care_amount(unit: OrgUnit, window: Window) -> Decimal:
    """慰问金额: the money given on the care visits of :func:`recognitions` (走访慰问)."""
    total: Any = recognitions(unit, window, RecognitionKind.CARE).aggregate(total=Sum("amount"))["total"]
    return (total or Decimal(0)).quantize(Decimal("0.01"))
