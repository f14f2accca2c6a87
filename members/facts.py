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

from django.db.models import Case, CharField, Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value, When

from branches.facts import Window, units_on_path
from branches.models import OrgUnit, UnitKind, in_subtree, today
from branches.selectors import outermost

from .development import IMPLIED_STEPS, Finding, Progress, assess
from .models import (
    PARTY_MEMBER_STATUSES,
    PIPELINE_STATUSES,
    DevelopmentStep,
    EventKind,
    MemberEvent,
    Membership,
    Person,
    Recognition,
    RecognitionKind,
    Status,
)

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


def status_then(person: Person, day: dt.date) -> str:
    """:func:`status_on` for a person already read: the same rule in Python."""
    for status, field in _STATUS_DATES:
        value = getattr(person, field)
        if (value is not None and value <= day) or (value is None and person.status == status):
            return status.value
    return Status.APPLICANT.value


# Up to this many people, their steps are looked up by id; more, through the people's query as a
# subquery (thousands of ids cost more to send and plan than the subquery, a few do not).
STEPS_BY_ID = 200


def steps_of(people: QuerySet[Person], read: list[Person] | None = None) -> dict[int, list[Any]]:
    """Each person's 发展 steps in order, in one query (a plain grouping: Django's prefetch builds a
    queryset per person, which costs more than the query itself at thousands of people). ``read``:
    the people of the queryset when already read (a few are then looked up by id, none: no query)."""
    steps: dict[int, list[Any]] = defaultdict(list)
    if read is not None and len(read) <= STEPS_BY_ID:
        if not read:
            return steps
        wanted = DevelopmentStep.objects.filter(person_id__in=[person.pk for person in read])
    else:
        wanted = DevelopmentStep.objects.filter(person__in=people.values("pk"))
    rows = wanted.order_by("person_id", "step").values_list("person_id", "step", "done_on", "hours", "days", named=True)
    for row in rows:  # named rows carry what progress_of reads, without building models
        steps[row.person_id].append(row)
    return steps


def progress_of(person: Person, *, steps: list[Any] | None = None, on: dt.date | None = None) -> Progress:
    """The person's 发展 progress as it stood on ``on`` (default today): the steps recorded by
    then (``steps``: :func:`steps_of`'s rows, else read), the lifecycle dates on the person
    reached by then, and the steps their status that day shows done (``IMPLIED_STEPS``: a
    预备党员 is never flagged for the 审批 that made them one). A step is overdue when its time
    limit passed before that day."""
    day = on or today()
    recorded = list(steps if steps is not None else person.steps.all())
    rows = [row for row in recorded if row.done_on <= day]
    done = {row.step: row.done_on for row in rows}
    implied = IMPLIED_STEPS[status_then(person, day)]
    # A step recorded as done after the day was not done on it, whatever the status implies (the
    # 预备期 of a 预备党员 runs from the 支部大会, before the approval that made them one).
    implied = min([implied, *(row.step - 1 for row in recorded if row.done_on > day)])
    for step, field in ((1, "applied_on"), (3, "activist_on"), (7, "candidate_on"), (15, "probationary_on")):
        value = getattr(person, field)
        if value and value <= day and step not in done:
            done[step] = value
    training = next((row for row in rows if row.step == 11), None)
    return assess(
        done, today=day, birth_date=person.birth_date,
        training_hours=training.hours if training else None, training_days=training.days if training else None,
        extension_months=person.probation_extension_months, implied=implied,
    )


@dataclass
class PipelineEntry:
    """A person's 发展 as it stood on a window's last day."""

    person: Person
    unit_id: int  # the branch the person belonged to on that day
    progress: Progress
    window: Window

    @property
    def overdue(self) -> list[Finding]:
        """Steps past their time limit on the window's last day and not done by then."""
        return self.progress.overdue

    @property
    def late(self) -> list[Finding]:
        """Steps done within the window, after their time limit."""
        return self.progress.late_within(self.window.start, self.window.end)

    @property
    def untimely(self) -> list[Finding]:
        return [*self.overdue, *self.late]


def development(unit: OrgUnit, window: Window) -> list[PipelineEntry]:
    """发展 in ``unit``'s subtree as it stood on ``window.end`` (the period's last day, or today
    while it runs): the people who belonged to the subtree that day and were in the pipeline
    (申请人 … 预备党员 by :func:`status_on`) or had a step done within the window, each judged by
    :func:`progress_of` on that day. Regenerating a past period later gives the same people and
    the same findings (2 queries)."""
    day = window.end
    belonged = memberships_on(unit, day).filter(person=OuterRef("pk"))
    stepped = DevelopmentStep.objects.filter(person=OuterRef("pk"), done_on__range=window.range)
    queryset = (
        Person.objects.filter(Exists(belonged))
        .annotate(status_then=status_on(day), branch_then=Subquery(belonged.values("unit_id")[:1]))
        .filter(Q(status_then__in=[status.value for status in PIPELINE_STATUSES]) | Exists(stepped))
        .order_by("pinyin", "pk")
    )
    people = list(queryset)
    steps = steps_of(queryset, people)
    return [PipelineEntry(person, person.branch_then, progress_of(person, steps=steps.get(person.pk, []), on=day),
                          window) for person in people]


def overdue_pipeline(unit: OrgUnit, window: Window) -> list[PipelineEntry]:
    """发展环节超期 (``dev-overdue``): the people of :func:`development` with a step past its time
    limit on the window's last day."""
    return [entry for entry in development(unit, window) if entry.overdue]


def late_pipeline(unit: OrgUnit, window: Window) -> list[PipelineEntry]:
    """发展环节逾期办理 (``dev-late``): the people of :func:`development` with a step done within
    the window after its time limit."""
    return [entry for entry in development(unit, window) if entry.late]


def development_by_unit(unit: OrgUnit, window: Window) -> dict[int, list[PipelineEntry]]:
    """:func:`development` by the branch each person belonged to on the window's last day (the
    scorecard's 发展党员 item: a branch is judged on its own people; one with none is absent)."""
    result: dict[int, list[PipelineEntry]] = defaultdict(list)
    for entry in development(unit, window):
        result[entry.unit_id].append(entry)
    return result


def pipeline_counts(unit: OrgUnit, on: dt.date | None = None) -> dict[str, int]:
    """发展党员各阶段人数: the people of ``unit``'s subtree on ``on`` (default today) in the pipeline
    that day, by their status then (the pipeline people of :func:`development`; 1 query)."""
    day = on or today()
    counts = {status.value: 0 for status in PIPELINE_STATUSES}
    rows = (memberships_on(unit, day).annotate(status_then=status_on(day, "person"))
            .filter(status_then__in=list(counts)).order_by().values_list("status_then")
            .annotate(n=Count("person", distinct=True)))
    counts.update(dict(rows))
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
