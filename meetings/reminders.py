"""Reminders: a branch secretary hears 10 and 3 days before a period ends that a requirement is
still due; committee staff get a weekly digest. ``branches.services.notify`` is idempotent per key,
and the keys name the unit, the rule and the period, so no reminder is ever sent twice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from branches.models import OrgUnit, Role, RoleKind, UnitKind
from branches.periods import Period, short_date
from branches.services import notify

from . import compliance

THRESHOLDS = (10, 3)  # days before the period's last day
PERIOD_KINDS = ("month", "quarter", "half", "year")


def _threshold(days_left: int) -> int | None:
    reached = [days for days in THRESHOLDS if days_left <= days]
    return min(reached) if reached and days_left >= 0 else None


def _email(user: Any, title: str, body: str) -> None:
    if user.email and getattr(settings, "MEETINGS_REMINDER_EMAIL", True):
        send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)


def due_reminders_send(*, on: dt.date) -> int:
    """Notify each branch's secretaries of requirements still due in a period ending within 10 (then
    3) days. Returns the number of notifications created (0 on a second run the same day)."""
    secretaries: dict[int, list[Any]] = defaultdict(list)
    for role in Role.objects.filter(kind=RoleKind.SECRETARY, unit__kind=UnitKind.BRANCH).select_related("user"):
        if role.user.is_active:
            secretaries[role.unit_id].append(role.user)
    if not secretaries:
        return 0
    roots = list(OrgUnit.objects.filter(parent__isnull=True, archived_on__isnull=True))
    created = 0
    for kind in PERIOD_KINDS:
        period = Period.containing(on, kind)
        threshold = _threshold((period.end - on).days)
        if threshold is None:
            continue
        for root in roots:
            report = compliance.evaluate(root, period, on=on)
            for result in report.units:
                branch_id = result.unit.parent_id if result.unit.kind == UnitKind.GROUP else result.unit.pk
                for rule in result.rules:
                    if rule.period_kind != kind or rule.status != "due":
                        continue
                    remaining = rule.required - rule.held
                    title = f"{result.unit.name}{period.label}{rule.name}尚未完成"
                    body = (f"{period.label}要求{rule.name}{rule.required}次，已完成{rule.held}次，还需{remaining}次，"
                            f"请于{short_date(period.end, on=on)}前完成并确认会议记录。")
                    url = f"{reverse('meetings:compliance')}?unit={branch_id}"
                    for user in secretaries.get(branch_id, []):
                        key = f"meetings:due:{result.unit.pk}:{rule.code}:{period}:{threshold}"
                        _, new = notify(user=user, key=key, title=title, body=body, url=url)
                        if new:
                            created += 1
                            _email(user, title, body)
    return created


def weekly_digest_send(*, on: dt.date) -> int:
    """One digest a week to each committee staff account: the quarter's branches behind, and why."""
    period = Period.containing(on, "quarter")
    year, week, _ = on.isocalendar()
    created = 0
    reports: dict[int, compliance.Report] = {}
    for role in Role.objects.filter(kind=RoleKind.STAFF).select_related("user", "unit"):
        if not role.user.is_active or role.unit.archived_on:
            continue
        report = reports.get(role.unit_id) or compliance.evaluate(role.unit, period, on=on)
        reports[role.unit_id] = report
        behind = []
        for result in report.units:
            open_rules = [r for r in result.rules if r.status != "met"]
            if open_rules:
                reasons = "、".join(f"{r.name}{r.held}/{r.required}" for r in open_rules)
                behind.append(f"{result.unit.name}：{reasons}")
        title = f"{role.unit.name}{period.label}组织生活周报：{len(behind)}个组织尚未完成"
        body = "\n".join(behind[:30]) + (f"\n……另有{len(behind) - 30}个" if len(behind) > 30 else "")
        body = body or "所有党支部和党小组本季度的要求均已完成。"
        key = f"meetings:digest:{role.unit_id}:{year}-W{week:02d}"
        url = f"{reverse('meetings:grid')}?unit={role.unit_id}&period={period}"
        _, new = notify(user=role.user, key=key, title=title, body=body, url=url)
        if new:
            created += 1
            _email(role.user, title, body)
    return created
