"""Writes to the organisation tree, officers, terms, roles and notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Model, TextField
from django.urls import reverse
from django.utils import timezone

from . import caching
from .models import Notification, Officer, OfficerRole, OrgUnit, Role, Term, TermRule, UnitKind, Voidable, in_subtree, today
from .periods import add_months
from .selectors import reminder_threshold
from .text import clean_text

NUL_MESSAGE = "不能包含空字符。"


def refuse_nul(obj: Model) -> None:
    """PostgreSQL cannot store a NUL character in text. Forms refuse it, but services also take
    text straight from a request (a void reason, an attendance note), so every save checks."""
    errors = {
        field.name: NUL_MESSAGE for field in obj._meta.concrete_fields
        if isinstance(field, CharField | TextField) and "\x00" in str(getattr(obj, field.attname) or "")
    }
    if errors:
        raise ValidationError(errors)


def clean_text_fields(obj: Model) -> None:
    """Every text field of ``obj`` as :func:`branches.text.clean_text` stores it (a TextField
    keeps its line breaks). Services call it before saving, so forms, imports and the command
    line store the same clean text."""
    for field in obj._meta.concrete_fields:
        if isinstance(field, CharField | TextField) and not field.choices:
            value = getattr(obj, field.attname)
            if isinstance(value, str):
                setattr(obj, field.attname, clean_text(value, multiline=isinstance(field, TextField)))


def save_with_history(obj: Model, actor: Any, *, exclude: list[str] | None = None) -> None:
    """Validate and save, recording ``actor`` as the author in the change history."""
    obj._history_user = actor  # django-simple-history reads this attribute
    refuse_nul(obj)
    clean_text_fields(obj)
    obj.full_clean(exclude=exclude)
    obj.save()


def record_void(*, actor: Any, record: Voidable, reason: str) -> Voidable:
    """Void a record that reports count: it stays, marked, with who voided it, when and why, and
    no longer counts anywhere. The one way every app voids (payments, meetings, talks …)."""
    reason = (reason or "").strip()
    if record.is_voided:
        raise ValidationError("该记录已作废。")
    if not reason:
        raise ValidationError({"void_reason": "请填写作废原因。"})
    record.voided_at = timezone.now()
    record.voided_by = actor if getattr(actor, "pk", None) else None
    record.void_reason = reason
    save_with_history(record, actor)
    return record


def _set_path(unit: OrgUnit) -> None:
    parent_path = unit.parent.path if unit.parent_id else "/"
    unit.path = f"{parent_path}{unit.pk}/"
    unit.depth = parent_path.count("/") - 1


@transaction.atomic
def org_unit_create(
    *, actor: Any, code: str, name: str, kind: str, parent: OrgUnit | None = None,
    founded_on: dt.date | None = None, is_community: bool = False,
) -> OrgUnit:
    unit = OrgUnit(code=code.strip(), name=name.strip(), kind=kind, parent=parent,
                   founded_on=founded_on, is_community=is_community)
    save_with_history(unit, actor, exclude=["path"])
    _set_path(unit)
    OrgUnit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    caching.bump("units")
    return unit


@transaction.atomic
def org_unit_update(*, actor: Any, unit: OrgUnit, **fields: Any) -> OrgUnit:
    """Change a unit's fields; moving it under another parent rewrites its subtree's paths."""
    old_path = unit.path
    for name, value in fields.items():
        setattr(unit, name, value)
    if isinstance(unit.code, str):
        unit.code = unit.code.strip()
    _set_path(unit)
    save_with_history(unit, actor)
    if unit.path != old_path:
        for child in OrgUnit.objects.filter(in_subtree(old_path)).exclude(pk=unit.pk).order_by("depth"):
            child.refresh_from_db()
            _set_path(child)
            OrgUnit.objects.filter(pk=child.pk).update(path=child.path, depth=child.depth)
    caching.bump("units")
    return unit


@transaction.atomic
def org_unit_archive(*, actor: Any, unit: OrgUnit, on: dt.date, reason: str) -> OrgUnit:
    """撤销 a unit. Its records stay; a unit with current members or active children cannot go."""
    if not reason.strip():
        raise ValidationError({"archive_reason": "请填写撤销原因。"})
    if OrgUnit.objects.filter(parent=unit, archived_on__isnull=True).exists():
        raise ValidationError("该组织下还有未撤销的下级组织，请先调整或撤销下级组织。")
    if unit.memberships.filter(ended_on__isnull=True).exists() or unit.group_memberships.filter(
        ended_on__isnull=True
    ).exists():
        raise ValidationError("该组织还有在册人员，请先办理组织关系转接。")
    unit.archived_on = on
    unit.archive_reason = reason.strip()
    save_with_history(unit, actor)
    caching.bump("units")
    return unit


def term_rule_for(unit: OrgUnit, on: dt.date) -> TermRule | None:
    """The term-length rule in force for ``unit`` on ``on``."""
    rules = TermRule.objects.in_force(on).filter(unit_kind=unit.kind)
    community = rules.filter(community=True).first() if unit.is_community else None
    return community or rules.filter(community=False).first()


@transaction.atomic
def term_record(*, actor: Any, unit: OrgUnit, started_on: dt.date, note: str = "") -> Term:
    """Record a 换届: the new term's end follows the term rule in force on the election day."""
    if unit.kind == UnitKind.GROUP:
        raise ValidationError("党小组不实行换届。")
    if started_on > today():
        raise ValidationError({"started_on": "换届日期不能晚于今天。"})
    rule = term_rule_for(unit, started_on)
    if rule is None:
        raise ValidationError(f"没有适用于{unit.get_kind_display()}的任期规则，请管理员先设置任期规则。")
    term = Term(unit=unit, started_on=started_on, ends_on=add_months(started_on, rule.years * 12), note=note)
    save_with_history(term, actor)
    caching.bump("units")
    return term


@transaction.atomic
def officer_appoint(
    *, actor: Any, unit: OrgUnit, person: Any, role: str, started_on: dt.date
) -> Officer:
    """Appoint ``person`` to ``role``; a single-holder role (书记, 党小组长 …) ends the previous holder."""
    if role == OfficerRole.GROUP_LEADER and unit.kind != UnitKind.GROUP:
        raise ValidationError({"role": "党小组长只能在党小组中任职。"})
    if role != OfficerRole.GROUP_LEADER and unit.kind == UnitKind.GROUP:
        raise ValidationError({"role": "党小组只设党小组长。"})
    if not person.is_party_member:
        raise ValidationError({"person": f"{person.name}不是党员，不能担任{OfficerRole(role).label}。"})
    if Officer.objects.filter(unit=unit, person=person, role=role, ended_on__isnull=True).exists():
        raise ValidationError({"person": f"{person.name}已在担任{OfficerRole(role).label}。"})
    if role in (OfficerRole.SECRETARY, OfficerRole.GROUP_LEADER, OfficerRole.ORGANISATION,
                OfficerRole.PUBLICITY, OfficerRole.DISCIPLINE):
        for previous in Officer.objects.filter(unit=unit, role=role, ended_on__isnull=True):
            officer_end(actor=actor, officer=previous, ended_on=max(started_on, previous.started_on),
                        reason="职务调整")
    officer = Officer(unit=unit, person=person, role=role, started_on=started_on)
    save_with_history(officer, actor)
    caching.bump("units")
    return officer


def officer_end(*, actor: Any, officer: Officer, ended_on: dt.date, reason: str = "") -> Officer:
    if officer.ended_on:
        raise ValidationError("该任职已结束。")
    officer.ended_on = ended_on
    officer.end_reason = reason
    save_with_history(officer, actor)
    caching.bump("units")
    return officer


def role_grant(*, actor: Any, user: Any, unit: OrgUnit, kind: str) -> Role:
    role, _ = Role.objects.get_or_create(user=user, unit=unit, kind=kind)
    return role


def notify(*, user: Any, key: str, title: str, body: str = "", url: str = "") -> tuple[Notification, bool]:
    """Create a notification once per ``(user, key)``: sending the same reminder twice is a no-op."""
    return Notification.objects.get_or_create(
        user=user, key=key, defaults={"title": title, "body": body, "url": url}
    )


def notification_mark_read(*, user: Any, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())



def send_term_reminders_on(day: dt.date) -> int:
    """Remind each unit's editors (branch) or reviewers (committee) once per term and threshold.

    Idempotent: the notification key names the term and the threshold (6/3/1 months, overdue),
    so running it every day sends each reminder once.
    """
    sent = 0
    latest: dict[int, Term] = {}
    for term in Term.objects.select_related("unit").filter(unit__archived_on__isnull=True).order_by("unit_id", "-started_on"):
        latest.setdefault(term.unit_id, term)
    users = get_user_model().objects.filter(is_active=True)
    for term in latest.values():
        unit = term.unit
        if term.ends_on < day:
            key, title = f"term:{term.pk}:overdue", f"{unit.name}换届已超期"
            body = f"本届任期已于{term.ends_on:%Y年%m月%d日}届满，请尽快组织换届选举。"
        else:
            months = reminder_threshold(term, day)
            if months is None:
                continue
            key, title = f"term:{term.pk}:{months}", f"{unit.name}将于{months}个月内届满"
            body = f"本届任期至{term.ends_on:%Y年%m月%d日}，请提前做好换届准备。"
        kinds = ("secretary", "organiser") if unit.kind in ("branch", "group") else ("staff",)
        recipients = users.filter(zhibu_roles__kind__in=kinds, zhibu_roles__unit__path__in=_ancestor_paths(unit)).distinct()
        for user in recipients:
            _, created = notify(user=user, key=key, title=title, body=body,
                                url=reverse("org:unit", args=[unit.pk]))
            sent += int(created)
    return sent


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    parts = unit.path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
