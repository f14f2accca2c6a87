"""Writes to people, memberships, transfers, exits and development steps.

History is never rewritten: a transfer or exit closes the open membership and records an event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from pypinyin import Style, lazy_pinyin
from simple_history.utils import bulk_create_with_history

from branches import caching
from branches.models import OrgUnit, UnitKind, in_subtree, today
from branches.services import clean_text_fields, record_void, save_with_history

from . import idnumbers
from .development import ADMISSION_STEP, APPROVAL_STEP, STATUS_STEPS, probation_end
from .models import (
    EXIT_KINDS,
    PERSON_RECOGNITIONS,
    DevelopmentStep,
    EventKind,
    MemberEvent,
    Membership,
    Person,
    Recognition,
    RecognitionKind,
    Status,
)
from .validation import STATUS_ORDER, normalise_phone, person_errors

PERSON_FIELDS = (
    "name", "id_number", "gender", "ethnicity", "birth_date", "education", "position", "phone", "status",
    "applied_on", "activist_on", "candidate_on", "probationary_on", "full_on",
)
_DATE_FIELDS = ("birth_date", "applied_on", "activist_on", "candidate_on", "probationary_on", "full_on")


def pinyin_of(name: str) -> tuple[str, str]:
    """Full pinyin without tones (``zhangsan``) and initials (``zs``) for sorting and search."""
    syllables = [s for s in lazy_pinyin(name) if s.strip()]
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER)
    return "".join(syllables).lower(), "".join(initials).lower()


def _raise(errors: list[tuple[str, str]]) -> None:
    if errors:
        grouped: dict[str, list[str]] = {}
        for field, message in errors:
            grouped.setdefault(field, []).append(message)
        raise ValidationError(grouped)


def _check_placement(unit: OrgUnit, group: OrgUnit | None) -> None:
    if unit.kind != UnitKind.BRANCH:
        raise ValidationError({"unit": f"“{unit.name}”不是党支部，人员应编入党支部。"})
    if unit.archived_on:
        raise ValidationError({"unit": f"“{unit.name}”已撤销。"})
    if group is not None and (group.kind != UnitKind.GROUP or group.parent_id != unit.pk):
        raise ValidationError({"group": f"党小组“{group.name}”不在“{unit.name}”之下。"})


def _fill_from_id(data: dict[str, Any]) -> None:
    info = idnumbers.parse(data["id_number"])
    data["id_number"] = info.number
    data.setdefault("birth_date", None)
    data["birth_date"] = data["birth_date"] or info.birth_date
    data["gender"] = data.get("gender") or info.gender


@transaction.atomic
def person_create(
    *, actor: Any, unit: OrgUnit, group: OrgUnit | None = None, joined_on: dt.date | None = None,
    event_kind: str = EventKind.JOIN, external_org: str = "", letter_number: str = "", **fields: Any,
) -> Person:
    """Create a person and their first membership of ``unit`` (a 党支部)."""
    data = {name: fields.get(name) for name in PERSON_FIELDS}
    data["id_number"] = idnumbers.normalise(data["id_number"] or "")
    data["phone"] = normalise_phone(data.get("phone") or "")
    _raise(person_errors(data, today=today()))
    _check_placement(unit, group)
    _fill_from_id(data)
    person = Person(**{k: "" if v is None and k not in _DATE_FIELDS else v for k, v in data.items()})
    person.pinyin, person.initials = pinyin_of(person.name)
    save_with_history(person, actor)
    start = joined_on or _default_join_date(person)
    membership = Membership(person=person, unit=unit, group=group, started_on=start)
    save_with_history(membership, actor)
    MemberEvent.objects.create(
        person=person, kind=event_kind, date=start, to_unit=unit, external_org=external_org,
        letter_number=letter_number, recorded_by=_user(actor),
    )
    _sync_status_steps(person, actor)
    caching.bump("people")
    return person


@dataclass
class NewPerson:
    """One person for :func:`people_bulk_create`, already checked with ``person_errors``."""

    fields: dict[str, Any]
    unit: OrgUnit
    group: OrgUnit | None = None
    joined_on: dt.date | None = None


@transaction.atomic
def people_bulk_create(*, actor: Any, entries: list[NewPerson]) -> list[Person]:
    """Write what :func:`person_create` writes for many people at once (roster imports).

    The caller has validated every entry (``person_errors`` and the placement checks); this
    only inserts, with history rows, in a handful of queries per thousand people.
    """
    people = []
    for entry in entries:
        data = {name: entry.fields.get(name) for name in PERSON_FIELDS}
        data["id_number"] = idnumbers.normalise(data["id_number"] or "")
        data["phone"] = normalise_phone(data.get("phone") or "")
        _fill_from_id(data)
        person = Person(**{k: "" if v is None and k not in _DATE_FIELDS else v for k, v in data.items()})
        clean_text_fields(person)
        person.pinyin, person.initials = pinyin_of(person.name)
        people.append(person)
    bulk_create_with_history(people, Person, batch_size=1000, default_user=_user(actor))
    memberships, events, steps = [], [], []
    recorded_by = _user(actor)
    for person, entry in zip(people, entries, strict=True):
        start = entry.joined_on or _default_join_date(person)
        memberships.append(Membership(person=person, unit=entry.unit, group=entry.group, started_on=start))
        events.append(MemberEvent(person=person, kind=EventKind.JOIN, date=start, to_unit=entry.unit,
                                  recorded_by=recorded_by))
        for step, (_, field) in STATUS_STEPS.items():
            value = getattr(person, field)
            if step != 24 and value is not None:
                steps.append(DevelopmentStep(person=person, step=step, done_on=value))
    bulk_create_with_history(memberships, Membership, batch_size=1000, default_user=recorded_by)
    MemberEvent.objects.bulk_create(events, batch_size=1000)
    bulk_create_with_history(steps, DevelopmentStep, batch_size=1000, default_user=recorded_by)
    caching.bump("people")
    return people


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _default_join_date(person: Person) -> dt.date:
    return person.applied_on or today()


@transaction.atomic
def person_update(*, actor: Any, person: Person, **fields: Any) -> Person:
    """Change a person's own fields (not their membership: see transfers)."""
    data = {name: getattr(person, name) for name in PERSON_FIELDS}
    data.update({k: v for k, v in fields.items() if k in PERSON_FIELDS})
    data["id_number"] = idnumbers.normalise(data["id_number"] or "")
    data["phone"] = normalise_phone(data.get("phone") or "")
    _raise(person_errors(data, today=today()))
    _fill_from_id(data)
    for name, value in data.items():
        setattr(person, name, value if value is not None or name in _DATE_FIELDS else "")
    if "probation_extension_months" in fields:
        person.probation_extension_months = fields["probation_extension_months"] or 0
    person.pinyin, person.initials = pinyin_of(person.name)
    save_with_history(person, actor)
    _sync_status_steps(person, actor)
    caching.bump("people")
    return person


def _sync_status_steps(person: Person, actor: Any) -> None:
    """Keep the key development steps in line with the lifecycle dates on the person."""
    for step, (_, field) in STATUS_STEPS.items():
        value = getattr(person, field)
        if step == 24 or value is None:
            continue
        existing = DevelopmentStep.objects.filter(person=person, step=step).first()
        if existing is None:
            save_with_history(DevelopmentStep(person=person, step=step, done_on=value), actor)
        elif existing.done_on != value:
            existing.done_on = value
            save_with_history(existing, actor)


def current_membership(person: Person) -> Membership | None:
    return person.memberships.filter(ended_on__isnull=True).select_related("unit", "group").first()


def _close(membership: Membership, on: dt.date, actor: Any) -> None:
    if on < membership.started_on:
        raise ValidationError({"date": f"日期不能早于加入本组织的日期{membership.started_on:%Y-%m-%d}。"})
    membership.ended_on = on
    save_with_history(membership, actor)


def _require_open(person: Person) -> Membership:
    membership = current_membership(person)
    if membership is None:
        raise ValidationError(f"{person.name}目前没有在册的组织关系。")
    return membership


@transaction.atomic
def member_transfer_out(
    *, actor: Any, person: Person, date: dt.date, to_unit: OrgUnit | None = None, to_group: OrgUnit | None = None,
    external_org: str = "", letter_number: str = "", reason: str = "",
) -> MemberEvent:
    """组织关系转出: close the membership; a destination inside the portal opens one there."""
    if date > today():
        raise ValidationError({"date": "转出日期不能晚于今天。"})
    if to_unit is None and not external_org.strip():
        raise ValidationError({"external_org": "请选择转入的党支部，或填写系统外的接收党组织。"})
    membership = _require_open(person)
    if to_unit is not None:
        if to_unit.pk == membership.unit_id:
            raise ValidationError({"to_unit": "转入组织与现所在党支部相同。"})
        _check_placement(to_unit, to_group)
    _close(membership, date, actor)
    if to_unit is not None:
        save_with_history(Membership(person=person, unit=to_unit, group=to_group, started_on=date), actor)
    caching.bump("people")
    return MemberEvent.objects.create(
        person=person, kind=EventKind.TRANSFER_OUT, date=date, from_unit=membership.unit, to_unit=to_unit,
        external_org=external_org.strip(), letter_number=letter_number.strip(), reason=reason.strip(),
        recorded_by=actor,
    )


@transaction.atomic
def member_transfer_in(
    *, actor: Any, person: Person, unit: OrgUnit, date: dt.date, group: OrgUnit | None = None,
    external_org: str = "", letter_number: str = "", reason: str = "",
) -> MemberEvent:
    """组织关系转入 of a known person who has no open membership (e.g. returning from outside)."""
    if current_membership(person) is not None:
        raise ValidationError(f"{person.name}已有在册的组织关系，应由原党支部办理转出。")
    _check_placement(unit, group)
    last = person.memberships.order_by("-ended_on").first()
    if last and last.ended_on and date < last.ended_on:
        raise ValidationError({"date": f"转入日期不能早于上次转出日期{last.ended_on:%Y-%m-%d}。"})
    save_with_history(Membership(person=person, unit=unit, group=group, started_on=date), actor)
    caching.bump("people")
    return MemberEvent.objects.create(
        person=person, kind=EventKind.TRANSFER_IN, date=date, to_unit=unit, external_org=external_org.strip(),
        letter_number=letter_number.strip(), reason=reason.strip(), recorded_by=actor,
    )


@transaction.atomic
def member_group_change(*, actor: Any, person: Person, group: OrgUnit | None, date: dt.date) -> MemberEvent:
    membership = _require_open(person)
    if membership.group_id == (group.pk if group else None):
        raise ValidationError({"group": "党小组没有变化。"})
    _check_placement(membership.unit, group)
    if date == membership.started_on:
        membership.group = group  # same-day correction: no history gap to keep
        save_with_history(membership, actor)
    else:
        _close(membership, date, actor)
        save_with_history(Membership(person=person, unit=membership.unit, group=group, started_on=date), actor)
    caching.bump("people")
    return MemberEvent.objects.create(
        person=person, kind=EventKind.GROUP_CHANGE, date=date, from_unit=membership.group, to_unit=group,
        recorded_by=actor,
    )


@transaction.atomic
def member_exit(*, actor: Any, person: Person, kind: str, date: dt.date, reason: str) -> MemberEvent:
    """死亡, 出党, 除名 or 停止党籍: the membership closes, the person and their records stay."""
    if kind not in EXIT_KINDS:
        raise ValidationError({"kind": "请选择离开的原因。"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写依据或说明（如支部大会决议、上级批复文号）。"})
    if date > today():
        raise ValidationError({"date": "日期不能晚于今天。"})
    membership = _require_open(person)
    _close(membership, date, actor)
    caching.bump("people")
    return MemberEvent.objects.create(
        person=person, kind=kind, date=date, from_unit=membership.unit, reason=reason.strip(), recorded_by=actor,
    )


@transaction.atomic
def development_step_record(
    *, actor: Any, person: Person, step: int, done_on: dt.date, note: str = "",
    hours: int | None = None, days: int | None = None,
) -> DevelopmentStep:
    """Record (or correct) one of the 25 steps; the key steps move the person's status."""
    if not 1 <= step <= 25:
        raise ValidationError({"step": "步骤应在1到25之间。"})
    if done_on > today():
        raise ValidationError({"done_on": "完成日期不能晚于今天。"})
    if person.status == Status.FULL and step < 24:
        raise ValidationError({"step": f"{person.name}已是正式党员。"})
    if step == ADMISSION_STEP:
        _admission_step(actor, person, done_on)
    elif step == APPROVAL_STEP:
        _approval_step(actor, person, done_on)
    elif step in STATUS_STEPS:
        status, field = STATUS_STEPS[step]
        changes: dict[str, Any] = {field: done_on}
        if step == 24:  # 转正日期 is the end of the 预备期, not the approval day
            accepted = person.probationary_on
            changes[field] = probation_end(accepted, person.probation_extension_months) if accepted else done_on
        if _rank(status) >= _rank(person.status):
            changes["status"] = status
        person_update(actor=actor, person=person, **changes)
    obj = DevelopmentStep.objects.filter(person=person, step=step).first() or DevelopmentStep(person=person, step=step)
    obj.done_on, obj.note, obj.hours, obj.days = done_on, note, hours, days
    save_with_history(obj, actor)
    caching.bump("people")
    return obj


def _admission_step(actor: Any, person: Person, done_on: dt.date) -> None:
    """支部大会讨论 (15) is for a 发展对象; it does not make them a 预备党员 yet (the higher
    committee's approval, 17, does). For a 预备党员 it corrects the date their 预备期 runs from."""
    if _rank(person.status) < _rank(Status.CANDIDATE):
        raise ValidationError({"step": f"{person.name}目前是{person.get_status_display()}，"
                                       "只有发展对象才能由支部大会讨论接收为预备党员。"})
    if _rank(person.status) >= _rank(Status.PROBATIONARY) and person.probationary_on != done_on:
        person_update(actor=actor, person=person, probationary_on=done_on)


def _approval_step(actor: Any, person: Person, done_on: dt.date) -> None:
    """上级党委审批 (17) makes a 发展对象 a 预备党员; the 预备期 runs from the 支部大会 (15)."""
    if _rank(person.status) >= _rank(Status.PROBATIONARY):
        return
    discussed = DevelopmentStep.objects.filter(person=person, step=ADMISSION_STEP).first()
    if discussed is None:
        raise ValidationError({"step": "请先记录第15步“支部大会讨论”：预备期从支部大会通过之日算起。"})
    if done_on < discussed.done_on:
        raise ValidationError({"done_on": f"上级党委审批日期不能早于支部大会讨论日期（{discussed.done_on:%Y-%m-%d}）。"})
    person_update(actor=actor, person=person, status=Status.PROBATIONARY, probationary_on=discussed.done_on)


def _rank(status: str) -> int:
    return STATUS_ORDER.index(status)


@transaction.atomic
def recognition_record(*, actor: Any, kind: str, unit: OrgUnit, date: dt.date, person: Person | None = None,
                       granted_by: str = "", amount: Any = None, note: str = "") -> Any:
    """Record an award (评优表彰) or a care visit (党内关怀) for the reports."""
    if date > today():
        raise ValidationError({"date": "日期不能晚于今天。"})
    if kind in PERSON_RECOGNITIONS and person is None:
        raise ValidationError({"person": f"{RecognitionKind(kind).label}须选择党员。"})
    if kind == RecognitionKind.MODEL_UNIT and person is not None:
        raise ValidationError({"person": "先进基层党组织是授予党组织的，不选择党员。"})
    if kind != RecognitionKind.CARE and amount is not None:
        raise ValidationError({"amount": "只有走访慰问需要填写金额。"})
    if person is not None and not person.memberships.filter(in_subtree(unit, "unit")).active_on(date).exists():
        raise ValidationError({"person": f"{person.name}在{date:%Y-%m-%d}不是“{unit.name}”的成员。"})
    row = Recognition(kind=kind, unit=unit, person=person, date=date, granted_by=granted_by.strip(), amount=amount,
                      note=note.strip(), recorded_by=_user(actor))
    save_with_history(row, actor)
    return row


def recognition_void(*, actor: Any, recognition: Any, reason: str) -> Any:
    return record_void(actor=actor, record=recognition, reason=reason)
