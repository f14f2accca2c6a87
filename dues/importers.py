"""``import_xlsx payments``: a payments ledger (实缴) from Excel, all or nothing (see cli.md).

Natural key 公民身份号码 + 所属月份 + 缴纳日期 + 金额: re-importing the same file changes nothing.
A row for a month that already has a different live payment is refused (no double counting).
Payments always count: a month whose 应缴 were never generated (last year's spreadsheets on a new
installation) is generated first, and the result says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from branches import access
from branches.importing import (
    CellError,
    Column,
    Importer,
    ImportResult,
    Reader,
    duplicate_keys,
    normalise_text,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_month,
    read_cell,
    register_importer,
)
from branches.models import OrgUnit, today
from branches.periods import months_between
from members import idnumbers
from members.models import Person

from . import rates
from .facts import base_in_force
from .models import DuesBase, DuesDue, Payment, PaymentKind, PaymentMethod
from .selectors import owing_units
from .services import BACK_PAYMENT_WARN_MONTHS, payments_record

COLUMNS = [
    Column("公民身份号码", True, "须是已在名册中的党员", example="11010519491231002X"),
    Column("所属月份", True, "YYYY-MM，如 2026-07", example="2026-07"),
    Column("金额", True, "元，不超过该月应缴金额", example="50.00"),
    Column("缴纳日期", True, "不晚于今天", example="2026-07-10"),
    Column("方式", False, " / ".join(PaymentMethod.values), example="微信", choices=tuple(PaymentMethod.values)),
    Column("备注", example="7月党费"),
]


def _id_number(value: Any) -> str:
    number = idnumbers.normalise(normalise_text(value))
    if not number:
        return ""
    try:
        return idnumbers.parse(number).number
    except idnumbers.IdNumberError as exc:
        raise CellError(str(exc)) from exc


@dataclass
class PaymentRow:
    number: int
    person: Person
    month: dt.date
    amount: Decimal
    paid_on: dt.date
    method: str
    note: str
    existing: bool  # the same payment is already recorded


@register_importer("payments")
class PaymentImporter(Importer):
    label = "党费缴纳记录"
    sheets = {None: COLUMNS}

    def validate(self, reader: Reader, *, user: Any) -> list[PaymentRow]:
        sheet = reader.sheet(COLUMNS)
        if sheet is None:
            return []
        problems = reader.problems
        parsed = []
        for row in sheet.rows:
            start = len(problems.lines)
            number = read_cell(problems, row, "公民身份号码", _id_number, required=True)
            month = read_cell(problems, row, "所属月份", parse_month, required=True)
            amount = read_cell(problems, row, "金额", parse_decimal, required=True)
            paid_on = read_cell(problems, row, "缴纳日期", parse_date, required=True)
            method = read_cell(problems, row, "方式", lambda v: parse_choice(v, PaymentMethod.values))
            note = read_cell(problems, row, "备注", normalise_text) or ""
            if amount is not None and amount <= 0:
                problems.add(row.number, "金额", "金额必须大于0")
            if amount is not None and amount != rates.money(amount):
                problems.add(row.number, "金额", f"金额{amount}最多保留两位小数")
            if paid_on and paid_on > today():
                problems.add(row.number, "缴纳日期", f"{paid_on:%Y-%m-%d}晚于今天")
            if len(note) > 200:
                problems.add(row.number, "备注", "不能超过200个字符")
            if len(problems.lines) == start:
                parsed.append((row, number, month, amount, paid_on, method or PaymentMethod.CASH, note))
        duplicate_keys(problems, sheet.rows, lambda r: (_safe_id(r), _safe_month(r)) if _safe_id(r) else None,
                       "所属月份")
        people = {p.id_number: p for p in Person.objects.filter(id_number__in={p[1] for p in parsed})}
        by_month: dict[dt.date, set[int]] = defaultdict(set)
        for _, number, month, *_ in parsed:
            if number in people:
                by_month[month].add(people[number].pk)
        owing = {month: owing_units(month, person_ids=list(ids)) for month, ids in by_month.items()}
        units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={uid for o in owing.values() for uid in o.values()})}
        person_ids = [p.pk for p in people.values()]
        dues = {(d.person_id, d.month): d.amount for d in DuesDue.objects.filter(person_id__in=person_ids)}
        bases: dict[int, list[DuesBase]] = defaultdict(list)
        for base in DuesBase.objects.filter(person_id__in=person_ids):
            bases[base.person_id].append(base)
        live: dict[tuple[int, dt.date], list[Payment]] = defaultdict(list)
        for p in Payment.objects.filter(person_id__in=person_ids, voided_at__isnull=True, kind=PaymentKind.REGULAR):
            live[(p.person_id, p.month)].append(p)
        tables = rates.load_tables()
        plan: list[PaymentRow] = []
        for row, number, month, amount, paid_on, method, note in parsed:
            person = people.get(number)
            if person is None:
                problems.add(row.number, "公民身份号码", f"{idnumbers.mask(number)}不在党员名册中，请先导入名册")
                continue
            unit_id = owing[month].get(person.pk)
            if unit_id is None:
                problems.add(row.number, "所属月份",
                             f"{person.name}在{month:%Y-%m}不需缴纳党费（不在册或尚未接收为预备党员）")
                continue
            if user is not None and not access.can_edit(user, units[unit_id]):
                problems.add(row.number, "公民身份号码", f"您无权登记“{units[unit_id].name}”的党费")
                continue
            expected = dues.get((person.pk, month))
            if expected is None:
                base = base_in_force(bases.get(person.pk, []), month)
                if base is None:
                    problems.add(row.number, "公民身份号码", f"{person.name}没有党费类别和基数，请先在名册中登记")
                    continue
                try:
                    expected = rates.compute(rates.table_for(month, tables), base.category, base.base,
                                             base.amount).amount
                except rates.DuesRuleError as exc:
                    problems.add(row.number, "所属月份", str(exc))
                    continue
            if amount > expected:
                problems.add(row.number, "金额", f"{amount}元超过{person.name}{month:%Y-%m}应缴的{expected}元")
                continue
            recorded = live.get((person.pk, month), [])
            same = any(p.paid_on == paid_on and p.amount == amount for p in recorded)
            if recorded and not same:
                current = recorded[0]
                problems.add(row.number, "所属月份",
                             f"{person.name}{month:%Y-%m}已登记缴纳（{current.paid_on:%Y-%m-%d}，{current.amount}元），不能重复")
                continue
            plan.append(PaymentRow(row.number, person, month, amount, paid_on, method, note, same))
        return plan

    def apply(self, plan: list[PaymentRow], result: ImportResult, *, actor: Any) -> None:
        for row in plan:
            if row.existing:
                result.unchanged += 1
                continue
            outcome = payments_record(actor=actor, person=row.person, months=[row.month], paid_on=row.paid_on,
                                      method=row.method, amounts={row.month: row.amount}, note=row.note, receipt=False)
            result.notes += [note.replace("已先生成", "将先生成" if result.dry_run else "已先生成")
                             for note in outcome.generated]
            result.created += 1
            result.change(f"新增 {row.person.name} {row.month.year}年{row.month.month}月 {row.amount}元"
                          f"（{row.paid_on:%Y-%m-%d}缴纳）")
            late = months_between(row.month, row.paid_on)
            if late > BACK_PAYMENT_WARN_MONTHS:
                result.details.append(f"第{row.number}行 缴纳日期：补交{row.month:%Y-%m}党费已超过"
                                      f"{BACK_PAYMENT_WARN_MONTHS}个月（{late}个月）")


def _safe_id(row: Any) -> str:
    return idnumbers.normalise(normalise_text(row.get("公民身份号码")))


def _safe_month(row: Any) -> Any:
    try:
        return parse_month(row.get("所属月份"))
    except CellError:
        return None
