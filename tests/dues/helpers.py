"""Helpers for the dues tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dues.services import dues_base_set
from members.models import Person
from tests.factories import make_person


def member(unit, *, category="在职", base="4000", since=dt.date(2015, 1, 1), **fields) -> Person:
    amount = fields.pop("amount", None)
    person = make_person(unit, joined_on=fields.pop("joined_on", since), **fields)
    dues_base_set(actor=None, person=person, category=category, base=Decimal(base) if base is not None else None,
                  effective_from=since, amount=Decimal(amount) if amount is not None else None)
    return person


def m(text: str) -> dt.date:
    """``m("2026-03")`` → 2026-03-01."""
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)
