"""The amount a member owes for a month under a rate table (党费规定, 2008 defaults seeded as data).

Pure functions over plain values, so that property tests can reach every boundary: the rate
applies to the whole base (not progressively), band upper bounds are inclusive, the result is
rounded half-up to ``settings.MONEY_QUANTUM`` (the fen).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from branches.models import rule_in_force
from branches.periods import Period

from .models import BASE_CATEGORIES, RateTable

ZERO = Decimal("0.00")


class DuesRuleError(ValueError):
    """A member's category or base does not fit the rate table; the message says why (Chinese)."""


@dataclass(frozen=True)
class Rule:
    category: str
    upper_bound: Decimal | None
    rate: Decimal | None
    flat_amount: Decimal | None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    requires_approval: bool = False


@dataclass(frozen=True)
class Table:
    id: int | None
    name: str
    effective_from: dt.date
    rules: tuple[Rule, ...]
    effective_to: dt.date | None = None

    def rules_for(self, category: str) -> list[Rule]:
        rules = [rule for rule in self.rules if rule.category == category]
        # bands in ascending order, the open-ended band (no upper bound) last
        return sorted(rules, key=lambda rule: (rule.upper_bound is None, rule.upper_bound or 0))


@dataclass(frozen=True)
class Amount:
    amount: Decimal
    rate: Decimal | None
    base: Decimal | None


# What one record may hold: a larger figure is a slip of the keyboard, not money a branch handles.
MAX_PAYMENT = Decimal("1000000.00")  # one payment, a voluntary gift included
MAX_REMITTANCE = Decimal("10000000.00")  # one branch's remittance for a month or a quarter


def checked_money(value: Any, *, maximum: Decimal, field: str = "amount", label: str = "金额",
                  allow_zero: bool = False) -> Decimal:
    """``value`` as money (see :func:`money`) when it is a finite number from 0.01 (or 0) up to
    ``maximum``; otherwise a ValidationError on ``field`` that says why."""
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label}“{str(value)[:20]}”不是数字。"}) from None
    if not number.is_finite():
        raise ValidationError({field: f"{label}应为数字。"})
    if number > maximum:  # before rounding: quantizing 1e30 (or -1e30) to the fen overflows
        raise ValidationError({field: f"{label}{str(value).strip()[:20]}元超过单笔上限{maximum}元，请核对。"})
    if number < 0:
        raise ValidationError({field: f"{label}必须大于0。"})
    number = money(number)
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationError({field: f"{label}必须大于0。"})
    return number


def money(value: Decimal | int | str) -> Decimal:
    """Round half-up to the configured quantum (0.01 yuan by default)."""
    return Decimal(value).quantize(Decimal(settings.MONEY_QUANTUM), rounding=ROUND_HALF_UP)


def compute(table: Table, category: str, base: Decimal | None, member_amount: Decimal | None = None) -> Amount:
    """What a member of ``category`` with monthly ``base`` (or per-member ``member_amount``) owes."""
    rules = table.rules_for(category)
    if not rules:
        raise DuesRuleError(f"党费标准“{table.name}”中没有“{category}”类别")
    if category in BASE_CATEGORIES:
        if base is None:
            raise DuesRuleError(f"党费类别为{category}时须有党费基数")
        if base < 0:
            raise DuesRuleError("党费基数不能为负数")
        for rule in rules:
            if rule.upper_bound is None or base <= rule.upper_bound:
                if rule.rate is None:
                    return Amount(money(rule.flat_amount or 0), None, base)
                return Amount(money(base * rule.rate), rule.rate, base)
        raise DuesRuleError(f"党费基数{base}超出党费标准“{table.name}”的最高档")  # a table without an open band
    rule = rules[0]
    if member_amount is not None:
        check_member_amount(rule, member_amount)
        return Amount(money(member_amount), None, None)
    return Amount(money(rule.flat_amount or 0), None, None)


def check_member_amount(rule: Rule, member_amount: Decimal) -> None:
    if rule.min_amount is None and rule.max_amount is None:
        raise DuesRuleError(f"{rule.category}按固定标准每月{rule.flat_amount}元缴纳，不能按人核定金额")
    if rule.min_amount is not None and member_amount < rule.min_amount:
        raise DuesRuleError(f"{rule.category}核定金额不能低于{rule.min_amount}元")
    if rule.max_amount is not None and member_amount > rule.max_amount:
        raise DuesRuleError(f"{rule.category}核定金额不能高于{rule.max_amount}元")


def load_tables() -> list[Table]:
    """Every rate table, newest first, with its rules (two queries)."""
    tables = []
    for table in RateTable.objects.prefetch_related("rules").order_by("-effective_from"):
        rules = tuple(
            Rule(rule.category, rule.upper_bound, rule.rate, rule.flat_amount, rule.min_amount, rule.max_amount,
                 rule.requires_approval)
            for rule in table.rules.all()
        )
        tables.append(Table(table.pk, table.name, table.effective_from, rules, table.effective_to))
    return tables


def table_for(month: dt.date, tables: list[Table] | None = None) -> Table:
    """The table in force for ``month``: the newest in force on the month's last day (a table
    effective mid-month applies to the whole month)."""
    tables = load_tables() if tables is None else tables
    first = month.replace(day=1)
    last = Period.month_of(first).end
    for table in tables:  # newest first
        if rule_in_force(table, last):
            return table
    raise DuesRuleError(f"{first:%Y年%m月}没有适用的党费标准，请管理员先设置党费标准")
