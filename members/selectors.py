"""Reads of people, always limited to what the user may see.

A person is visible to whoever may see any unit they ever belonged to (a branch keeps reading
the history of people who left it); only the editors of their current branch may change them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.http import Http404

from branches import access, caching
from branches.models import OrgUnit, UnitKind, in_subtree, today

from .development import Progress
from .facts import progress_of, steps_of
from .models import PARTY_MEMBER_STATUSES, PIPELINE_STATUSES, Membership, Person


def _membership_in_scope(user: Any, *, edit: bool = False, current: bool = False) -> Exists:
    memberships = Membership.objects.filter(access.path_q(user, "unit__path", edit=edit), person=OuterRef("pk"))
    if current:
        memberships = memberships.filter(ended_on__isnull=True)
    return Exists(memberships)


def person_list(
    *, user: Any, unit: OrgUnit | None = None, status: str | None = None, q: str | None = None,
    include_former: bool = False,
) -> QuerySet[Person]:
    """People the user may see, annotated with their current branch and 党小组, by pinyin."""
    in_unit = None
    if unit is not None:
        field = "group" if unit.kind == "group" else "unit"
        in_unit = Exists(Membership.objects.filter(
            in_subtree(unit, field), person=OuterRef("pk"), ended_on__isnull=True))
    if in_unit is not None and unit.kind != "group" and access.can_view(user, unit):
        # a membership under a unit the user sees is one in the user's scope: one semi-join fewer
        # for PostgreSQL to plan (2.4 of the 3.2 ms a branch's roster took)
        people = Person.objects.filter(in_unit)
    else:
        people = Person.objects.filter(_membership_in_scope(user, current=not include_former))
        if in_unit is not None:
            people = people.filter(in_unit)
    if status:
        people = people.filter(status=status)
    if q:
        text = q.strip()
        lowered = text.lower().replace(" ", "")
        condition = Q(name__contains=text) | Q(pinyin__startswith=lowered) | Q(initials__startswith=lowered)
        number = text.upper()
        if len(number) >= 4 and number.rstrip("X").isdigit() and number.count("X") <= 1:  # last digit may be X
            id_match = Q(id_number__endswith=number)
            if len(number) > 4:  # more than a masked number shows: only among people the user may edit,
                id_match &= _membership_in_scope(user, edit=True, current=True)  # else guesses would unmask it
            condition |= id_match
        people = people.filter(condition)
    # One join to the open membership (a person has at most one: a DB constraint), not a
    # correlated subquery per column: thousands of rows for a committee's pipeline.
    return people.annotate(
        current=FilteredRelation("memberships", condition=Q(memberships__ended_on__isnull=True)),
        unit_name=F("current__unit__name"), unit_id=F("current__unit_id"), group_name=F("current__group__name"),
    ).order_by("pinyin", "pk")


def person_for_view(user: Any, pk: Any) -> Person:
    try:
        return Person.objects.filter(_membership_in_scope(user)).get(pk=pk)
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404("未找到该人员，或您无权查看。") from exc


def can_edit_person(user: Any, person: Person, *, memberships: list[Membership] | None = None) -> bool:
    """Whether ``user`` may change ``person``: an editor of their current branch. ``memberships``:
    all of the person's memberships with their units, when already read (then no query)."""
    if memberships is not None:
        return any(m.ended_on is None and access.can_edit(user, m.unit) for m in memberships)
    return Person.objects.filter(_membership_in_scope(user, edit=True, current=True), pk=person.pk).exists()


def person_for_edit(user: Any, pk: Any) -> Person:
    person = person_for_view(user, pk)
    if not can_edit_person(user, person):
        raise PermissionDenied("您只能查看该人员的信息，不能修改。")
    return person


@dataclass
class PipelineRow:
    person: Person
    unit_name: str
    progress: Progress


def _rows(people: QuerySet[Person]) -> list[PipelineRow]:
    """A row for each of ``people`` (from :func:`person_list`) with their progress today: 2 queries."""
    read = list(people)
    steps = steps_of(people, read)
    on = today()
    return [PipelineRow(person, person.unit_name or "", progress_of(person, steps=steps.get(person.pk, []), on=on))
            for person in read]


def pipeline_rows(*, user: Any, unit: OrgUnit | None = None) -> list[PipelineRow]:
    """Everyone in the 发展 pipeline the user may see, next step and due date first (2 queries)."""
    rows = _rows(person_list(user=user, unit=unit).filter(status__in=PIPELINE_STATUSES))
    far = dt.date.max
    rows.sort(key=lambda row: (not row.progress.overdue, row.progress.next_due or far, row.person.pinyin))
    return rows


# What the 发展 pipeline reads (OrgUnit; Person, Membership, DevelopmentStep): a summary of it is
# cached under these subjects' versions (branches.caching).
PIPELINE_SUBJECTS = ("units", "people")


def pipeline_order(*, user: Any, unit: OrgUnit | None = None) -> list[tuple[int, bool]]:
    """``(person id, overdue)`` in :func:`pipeline_rows`'s order, cached until the pipeline's
    records change: a committee's 发展 page and home work out the progress of thousands of people
    to show a few dozen. Keyed by what the user may see, not by who they are."""
    key = caching.versioned_key("pipeline-order", *access.scope_for(user).key, unit.pk if unit else "-", today(),
                                subjects=PIPELINE_SUBJECTS)
    return cache.get_or_set(key, lambda: [
        (row.person.pk, bool(row.progress.overdue)) for row in pipeline_rows(user=user, unit=unit)])


def pipeline_rows_of(*, user: Any, ids: list[int]) -> list[PipelineRow]:
    """:func:`pipeline_rows` of these people, in this order (2 queries). A person the user may no
    longer see is left out."""
    rows = {row.person.pk: row for row in _rows(person_list(user=user).filter(pk__in=ids))}
    return [rows[pk] for pk in ids if pk in rows]


def overdue_pipeline(*, user: Any, limit: int) -> list[PipelineRow]:
    """The first ``limit`` people of :func:`pipeline_rows` with an overdue step."""
    return pipeline_rows_of(user=user, ids=[pk for pk, overdue in pipeline_order(user=user) if overdue][:limit])


def officer_candidates(unit: OrgUnit) -> QuerySet[Person]:
    """Who may be made an officer of ``unit``: the 正式/预备党员 of its branch (of the 党小组, for a
    党小组) today, by pinyin."""
    branch = unit.parent if unit.kind == UnitKind.GROUP else unit
    members = Membership.objects.active_on(today()).filter(in_subtree(branch, "unit"))
    if unit.kind == UnitKind.GROUP:
        members = members.filter(group=unit)
    return Person.objects.filter(pk__in=members.values("person_id"), status__in=PARTY_MEMBER_STATUSES).order_by("pinyin")
