"""Writes to the dues ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from branches.services import save_with_history
from members.models import Person

from .models import BASE_CATEGORIES, DuesBase


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def dues_base_set(
    *, actor: Any, person: Person, category: str, base: Decimal | None, effective_from: dt.date,
    approval_ref: str = "", note: str = "",
) -> tuple[DuesBase, bool]:
    """Set a member's category and base from a month on. Returns ``(row, changed)``.

    Re-setting what is already in force changes nothing; a different value adds a row from that
    month (or corrects the row that starts in that very month).
    """
    if category in BASE_CATEGORIES and base is None:
        raise ValidationError({"base": f"党费类别为{category}时须填写党费基数。"})
    start = first_of_month(effective_from)
    current = DuesBase.objects.filter(person=person, effective_from__lte=start).order_by("-effective_from").first()
    if current and current.category == category and current.base == base:
        return current, False
    row = DuesBase.objects.filter(person=person, effective_from=start).first() or DuesBase(
        person=person, effective_from=start
    )
    row.category, row.base, row.approval_ref, row.note = category, base, approval_ref, note
    save_with_history(row, actor)
    return row, True


def dues_base_on(person: Person, day: dt.date) -> DuesBase | None:
    """The base in force on ``day``; before the first recorded month, the earliest one."""
    rows = list(person.dues_bases.all())
    rows.sort(key=lambda row: row.effective_from)
    in_force = [row for row in rows if row.effective_from <= day]
    return in_force[-1] if in_force else (rows[0] if rows else None)


def dues_bases_bulk_create(*, actor: Any, rows: list[DuesBase]) -> None:
    """Insert first dues bases for newly imported people (validated by the importer)."""
    from simple_history.utils import bulk_create_with_history

    for row in rows:
        row.effective_from = first_of_month(row.effective_from)
    bulk_create_with_history(rows, DuesBase, batch_size=1000, default_user=actor if getattr(actor, "pk", None) else None)
