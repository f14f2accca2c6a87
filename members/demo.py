"""Demo data, part 2: people, memberships, development steps and officers.

Bulk-inserted (with history rows) so that the large scale seeds in minutes.
"""

from __future__ import annotations

import datetime as dt

from simple_history.utils import bulk_create_with_history

from branches.demo import DemoContext
from branches.models import Officer, OfficerRole
from branches.periods import add_months

from . import idnumbers
from .models import DevelopmentStep, Education, EventKind, MemberEvent, Membership, Person, Status
from .services import pinyin_of

REGIONS = ["110101", "110105", "310104", "320102", "330106", "420106", "440106", "510107", "610113", "370102"]
POSITIONS = ["处长", "副处长", "一级主任科员", "二级主任科员", "科员", "主任", "工程师", "会计", "办事员", "退休干部"]


def _days(rng, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


def seed(ctx: DemoContext) -> None:
    rng, faker, today = ctx.rng, ctx.faker, ctx.today
    used_ids: set[str] = set()
    people: list[Person] = []
    placements: list[tuple[Person, int, int | None, dt.date]] = []
    steps: list[tuple[Person, int, dt.date]] = []
    for branch in ctx.branches:
        groups = ctx.groups.get(branch.pk, [])
        size = ctx.sizes[branch.pk]
        behind = branch.pk in ctx.behind
        for index in range(size):
            male = rng.random() < 0.55
            birth = dt.date(rng.randint(1962, 2001), rng.randint(1, 12), rng.randint(1, 28))
            while True:
                number = idnumbers.make(rng.choice(REGIONS), birth, rng.randint(0, 99), male)
                if number not in used_ids:
                    used_ids.add(number)
                    break
            roll = rng.random()
            if index < 3:
                roll = 0.0  # at least three 正式党员 … unless the branch is deliberately behind
            status, dates = _lifecycle(ctx, birth, roll, behind and index == size - 1)
            name = faker.name_male() if male else faker.name_female()
            person = Person(
                name=name, id_number=number, gender="男" if male else "女", ethnicity="汉族" if rng.random() < 0.92 else "回族",
                birth_date=birth, education=rng.choice(Education.values[:4]), position=rng.choice(POSITIONS),
                phone=f"1{rng.choice([3, 5, 8])}{rng.randint(100000000, 999999999)}", status=status, **dates,
            )
            person.pinyin, person.initials = pinyin_of(name)
            people.append(person)
            joined = dates.get("applied_on") if status != Status.FULL else None
            joined = joined or max(dates.get("full_on") or birth, today - _days(rng, 200, 3650))
            group = groups[index % len(groups)].pk if groups else None
            placements.append((person, branch.pk, group, joined))
            for step, field in ((1, "applied_on"), (3, "activist_on"), (7, "candidate_on"), (15, "probationary_on")):
                if dates.get(field) and status != Status.FULL:
                    steps.append((person, step, dates[field]))
            if status in (Status.ACTIVIST, Status.CANDIDATE, Status.PROBATIONARY):
                steps.append((person, 2, dates["applied_on"] + _days(rng, 5, 25)))
            if status == Status.ACTIVIST and not behind:  # reviewed within the last half year
                steps.append((person, 6, max(dates["activist_on"], today - _days(rng, 10, 150))))
    bulk_create_with_history(people, Person, batch_size=2000)
    by_number = dict(Person.objects.filter(id_number__in=[p.id_number for p in people]).values_list("id_number", "pk"))
    for person in people:
        person.pk = by_number[person.id_number]
    memberships = [Membership(person=p, unit_id=unit, group_id=group, started_on=joined)
                   for p, unit, group, joined in placements]
    bulk_create_with_history(memberships, Membership, batch_size=2000)
    MemberEvent.objects.bulk_create(
        [MemberEvent(person=p, kind=EventKind.JOIN, date=joined, to_unit_id=unit) for p, unit, _, joined in placements],
        batch_size=2000,
    )
    bulk_create_with_history([DevelopmentStep(person=p, step=s, done_on=d) for p, s, d in steps], DevelopmentStep,
                             batch_size=2000)
    for person, unit, _, joined in placements:
        ctx.people.setdefault(unit, []).append(person)
        ctx.joined[person.pk] = joined
    _officers(ctx)


def _lifecycle(ctx: DemoContext, birth: dt.date, roll: float, overdue_applicant: bool) -> tuple[str, dict]:
    rng, today = ctx.rng, ctx.today
    if overdue_applicant:  # applied two months ago, nobody has talked to them yet
        return Status.APPLICANT, {"applied_on": today - _days(rng, 45, 70)}
    if roll < 0.82:
        applied = add_months(birth, 12 * rng.randint(20, 30)) + _days(rng, 0, 200)
        applied = min(applied, today - dt.timedelta(days=1100))
        applied = max(applied, add_months(birth, 12 * 18 + 1))
        activist = applied + _days(rng, 60, 200)
        candidate = add_months(activist, 12) + _days(rng, 10, 90)
        probationary = candidate + _days(rng, 60, 150)
        full = add_months(probationary, 12)
        if full > today:
            return Status.APPLICANT, {"applied_on": min(applied, today - dt.timedelta(days=10))}
        return Status.FULL, {"applied_on": applied, "activist_on": activist, "candidate_on": candidate,
                             "probationary_on": probationary, "full_on": full}
    if roll < 0.88:
        probationary = today - _days(rng, 30, 330)
        candidate = probationary - _days(rng, 60, 120)
        activist = add_months(candidate, -12) - _days(rng, 10, 60)
        applied = activist - _days(rng, 60, 150)
        return Status.PROBATIONARY, {"applied_on": applied, "activist_on": activist, "candidate_on": candidate,
                                     "probationary_on": probationary}
    if roll < 0.92:
        candidate = today - _days(rng, 20, 100)
        activist = add_months(candidate, -12) - _days(rng, 10, 60)
        return Status.CANDIDATE, {"applied_on": activist - _days(rng, 60, 150), "activist_on": activist,
                                  "candidate_on": candidate}
    if roll < 0.96:
        activist = today - _days(rng, 60, 400)
        return Status.ACTIVIST, {"applied_on": activist - _days(rng, 60, 150), "activist_on": activist}
    return Status.APPLICANT, {"applied_on": today - _days(rng, 3, 25)}


def _officers(ctx: DemoContext) -> None:
    officers = []
    for branch in ctx.branches:
        full = [p for p in ctx.people.get(branch.pk, []) if p.status == Status.FULL]
        if not full:
            continue
        term = branch.terms.order_by("-started_on").first()
        start = term.started_on if term else ctx.start
        roles = [OfficerRole.SECRETARY]
        lacking_committee = branch.pk in ctx.behind and len(full) >= 7
        if len(full) >= 7 and not lacking_committee:
            roles += [OfficerRole.ORGANISATION, OfficerRole.PUBLICITY, OfficerRole.DISCIPLINE]
        for person, role in zip(full, roles, strict=False):
            officers.append(Officer(unit=branch, person=person, role=role, started_on=start))
        for number, group in enumerate(ctx.groups.get(branch.pk, [])):
            members = [p for p in full[len(roles):] if p is not None]
            if len(members) > number:
                officers.append(Officer(unit=group, person=members[-1 - number], role=OfficerRole.GROUP_LEADER,
                                        started_on=start))
    bulk_create_with_history(officers, Officer, batch_size=2000)
