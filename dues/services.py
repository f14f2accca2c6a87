"""Writes to the dues ledger: bases, amounts due (``generate_dues``), payments, receipts,
remittances and arrears cases.

Who owes a month is :func:`dues.selectors.owing_units`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches import caching
from branches.models import EDITOR_ROLES, OrgUnit, Role, in_subtree, today
from branches.periods import Period, first_of_month, months_between
from branches.services import notify, record_void, save_with_history
from members.models import Person

from . import rates
from .facts import arrears_for_unit, base_in_force
from .models import (
    BASE_CATEGORIES,
    ArrearsCase,
    DuesBase,
    DuesCategory,
    DuesDue,
    Payment,
    PaymentKind,
    PaymentMethod,
    Receipt,
    Remittance,
)
from .selectors import owing_units, owing_units_bulk

BACK_PAYMENT_WARN_MONTHS = 6
VOLUNTARY_CENTRE_THRESHOLD = Decimal("1000")


# ---------------------------------------------------------------------------------------------
# Bases


@transaction.atomic
def dues_base_set(
    *, actor: Any, person: Person, category: str, base: Decimal | None, effective_from: dt.date,
    approval_ref: str = "", note: str = "", amount: Decimal | None = None,
) -> tuple[DuesBase, bool]:
    """Set a member's category and base from a month on. Returns ``(row, changed)``.

    Re-setting what is already in force changes nothing; a different value adds a row from that
    month (or corrects the row that starts in that very month). ``amount`` is the per-member
    monthly amount for 农民 and 困难减免 (checked against the rate table in force).
    """
    if category not in DuesCategory.values:
        raise ValidationError({"category": f"“{category}”不是有效的党费类别。"})
    if category in BASE_CATEGORIES and base is None:
        raise ValidationError({"base": f"党费类别为{category}时须填写党费基数。"})
    if category not in BASE_CATEGORIES:
        base = None
    start = first_of_month(effective_from)
    table = rates.table_for(start)
    rule_list = table.rules_for(category)
    if amount is not None and rule_list:
        try:
            rates.check_member_amount(rule_list[0], amount)
        except rates.DuesRuleError as exc:
            raise ValidationError({"amount": str(exc)}) from exc
    if rule_list and rule_list[0].requires_approval and not approval_ref.strip():
        raise ValidationError({"approval_ref": f"{category}须填写支部决定和上级批准的文号。"})
    current = DuesBase.objects.filter(person=person, effective_from__lte=start).order_by("-effective_from").first()
    if (current and current.category == category and current.base == base and current.amount == amount
            and current.approval_ref == approval_ref.strip()):
        return current, False
    row = DuesBase.objects.filter(person=person, effective_from=start).first() or DuesBase(
        person=person, effective_from=start
    )
    row.category, row.base, row.amount = category, base, amount
    row.approval_ref, row.note = approval_ref.strip(), note
    save_with_history(row, actor)
    caching.bump("dues")
    return row, True


def dues_base_on(person: Person, day: dt.date) -> DuesBase | None:
    """The base in force on ``day``; before the first recorded month, the earliest one."""
    return base_in_force(list(person.dues_bases.all()), day)


def dues_bases_bulk_create(*, actor: Any, rows: list[DuesBase]) -> None:
    """Insert first dues bases for newly imported people (validated by the importer)."""
    for row in rows:
        row.effective_from = first_of_month(row.effective_from)
    bulk_create_with_history(rows, DuesBase, batch_size=1000, default_user=actor if getattr(actor, "pk", None) else None)
    caching.bump("dues")


@transaction.atomic
def dues_backfill(*, actor: Any, months: list[dt.date]) -> int:
    """Create every amount due for ``months`` at once, for a new installation's history or the demo
    (hundreds of thousands of rows in seconds). Months that already have rows are left to
    :func:`dues_generate`. Returns the number of rows created."""
    months = sorted({first_of_month(m) for m in months})
    done = set(DuesDue.objects.filter(month__in=months).values_list("month", flat=True).distinct())
    months = [m for m in months if m not in done]
    if not months:
        return 0
    owing = owing_units_bulk(months)
    tables = rates.load_tables()
    bases: dict[int, list[DuesBase]] = defaultdict(list)
    for row in DuesBase.objects.all():
        bases[row.person_id].append(row)
    for rows_of_person in bases.values():
        rows_of_person.sort(key=lambda row: row.effective_from)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    computed: dict[tuple, tuple | None] = {}
    rows = []
    for month in months:
        table = rates.table_for(month, tables)
        day = connection.ops.adapt_datefield_value(month)
        for person_id, unit_id in owing[month].items():
            base = base_in_force(bases.get(person_id, []), month)
            if base is None:
                continue
            key = (table.id, base.category, base.base, base.amount)
            if key not in computed:
                try:
                    amount = rates.compute(table, base.category, base.base, base.amount)
                    computed[key] = (_adapt(amount.base), _adapt(amount.rate), _adapt(amount.amount))
                except rates.DuesRuleError:
                    computed[key] = None
            values = computed[key]
            if values is not None:
                rows.append((person_id, day, unit_id, base.category, *values, table.id, now, now))
    table_name = DuesDue._meta.db_table
    sql = (f"INSERT INTO {table_name} (person_id, month, unit_id, category, base, rate, amount, table_id, "
           "generated_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")
    with connection.cursor() as cursor:
        for index in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[index:index + 5000])
    caching.bump("dues")
    return len(rows)


def _adapt(value: Decimal | None) -> Any:
    return None if value is None else connection.ops.adapt_decimalfield_value(value)


def owing_unit(person: Person, month: dt.date) -> int | None:
    return owing_units(month, person_ids=[person.pk]).get(person.pk)


def expected_amount(person: Person, month: dt.date, *, tables: list[rates.Table] | None = None) -> Decimal:
    """The amount due for ``month``: the generated row if there is one, else computed now (for a
    prepayment of a month not yet generated)."""
    month = first_of_month(month)
    row = DuesDue.objects.filter(person=person, month=month).first()
    if row is not None:
        return row.amount
    base = dues_base_on(person, month)
    if base is None:
        raise ValidationError(f"{person.name}没有登记党费类别和基数，无法计算应缴金额。")
    try:
        return rates.compute(rates.table_for(month, tables), base.category, base.base, base.amount).amount
    except rates.DuesRuleError as exc:
        raise ValidationError(str(exc)) from exc


# ---------------------------------------------------------------------------------------------
# generate_dues


@dataclass
class GenerateReport:
    month: dt.date
    created: int = 0
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)
    missing_base: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # rows for members who no longer owe the month

    @property
    def updated(self) -> int:
        return len(self.changes)

    @property
    def summary(self) -> str:
        text = f"{self.month:%Y-%m}：新增应缴{self.created}条，更新{self.updated}条，{self.unchanged}条无变化"
        if self.missing_base:
            text += f"，{len(self.missing_base)}人缺少党费基数未生成"
        if self.errors:
            text += f"，{len(self.errors)}人无法计算"
        if self.stale:
            text += f"，{len(self.stale)}条已不应缴（请核实组织关系）"
        return text


_COMPARED = ("unit_id", "category", "base", "rate", "amount", "table_id")
_LABELS = {
    "unit_id": "党支部", "category": "类别", "base": "基数", "rate": "比例", "amount": "应缴", "table_id": "标准",
}


@transaction.atomic
def dues_generate(
    *, actor: Any, month: dt.date, unit: OrgUnit | None = None, person_ids: list[int] | None = None,
) -> GenerateReport:
    """Create (or bring up to date) the amounts due for ``month``. Idempotent: a second run
    changes nothing unless a base, a rate table or a membership changed, and reports each change."""
    month = first_of_month(month)
    report = GenerateReport(month)
    owing = owing_units(month, unit=unit, person_ids=person_ids)
    _report_stale(report, month, owing, unit=unit, person_ids=person_ids)
    if not owing:
        return report
    tables = rates.load_tables()
    table = rates.table_for(month, tables)
    bases: dict[int, list[DuesBase]] = defaultdict(list)
    for row in DuesBase.objects.filter(person_id__in=list(owing)):
        bases[row.person_id].append(row)
    names = dict(Person.objects.filter(pk__in=list(owing)).values_list("pk", "name"))
    units = dict(OrgUnit.objects.filter(pk__in=set(owing.values())).values_list("pk", "name"))
    existing = {row.person_id: row for row in DuesDue.objects.filter(month=month, person_id__in=list(owing))}
    new_rows, changed_rows = [], []
    for person_id, unit_id in sorted(owing.items(), key=lambda item: (item[1], names.get(item[0], ""))):
        base = base_in_force(bases.get(person_id, []), month)
        if base is None:
            report.missing_base.append(f"{units.get(unit_id, '')} {names.get(person_id, '')}")
            continue
        try:
            amount = rates.compute(table, base.category, base.base, base.amount)
        except rates.DuesRuleError as exc:
            report.errors.append(f"{names.get(person_id, '')}：{exc}")
            continue
        values = {"unit_id": unit_id, "category": base.category, "base": amount.base, "rate": amount.rate,
                  "amount": amount.amount, "table_id": table.id}
        row = existing.get(person_id)
        if row is None:
            new_rows.append(DuesDue(person_id=person_id, month=month, **values))
            continue
        differences = [name for name in _COMPARED if _differs(getattr(row, name), values[name])]
        if not differences:
            report.unchanged += 1
            continue
        parts = []
        for name in differences:
            before, after = getattr(row, name), values[name]
            if name == "unit_id":
                before, after = units.get(before) or OrgUnit.objects.get(pk=before).name, units.get(after)
            parts.append(f"{_LABELS[name]} {_show(before)}→{_show(after)}")
            setattr(row, name, values[name])
        report.changes.append(f"{names.get(person_id, '')} {month:%Y-%m}：{'，'.join(parts)}")
        changed_rows.append(row)
    DuesDue.objects.bulk_create(new_rows, batch_size=2000)
    report.created = len(new_rows)
    if changed_rows:
        now = timezone.now()
        for row in changed_rows:
            row.updated_at = now
        DuesDue.objects.bulk_update(changed_rows, [*_COMPARED, "updated_at"], batch_size=2000)
    caching.bump("dues")
    return report


def _report_stale(report: GenerateReport, month: dt.date, owing: dict[int, int], *, unit: OrgUnit | None,
                  person_ids: list[int] | None) -> None:
    """Rows generated earlier for members who no longer owe the month (a membership or a date was
    corrected). They are reported, not removed: a payment may hang on them; the branch decides."""
    rows = DuesDue.objects.filter(month=month).exclude(person_id__in=list(owing))
    if unit is not None:
        rows = rows.filter(in_subtree(unit, "unit"))
    if person_ids is not None:
        rows = rows.filter(person_id__in=person_ids)
    report.stale = [f"{unit_name} {name} {month:%Y-%m} {amount}元"
                    for name, unit_name, amount in rows.values_list("person__name", "unit__name", "amount")]


def dues_regenerate_for(*, actor: Any, person_ids: list[int], since: dt.date) -> list[str]:
    """After a base changed from ``since``: bring the months already generated (from ``since`` up
    to the current month) in line for these members. Returns the changes made."""
    generated = set(DuesDue.objects.filter(person_id__in=person_ids, month__gte=first_of_month(since))
                    .values_list("month", flat=True))
    changes: list[str] = []
    for month in sorted(generated):
        if month <= today():
            changes += dues_generate(actor=actor, month=month, person_ids=person_ids).changes
    return changes


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return (a is None) != (b is None) or (a is not None and Decimal(a) != Decimal(b))
    return a != b


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return str(value)


# ---------------------------------------------------------------------------------------------
# Payments


def live_regular(person: Person, month: dt.date) -> Any:
    return Payment.objects.filter(person=person, month=month, kind=PaymentKind.REGULAR, voided_at__isnull=True)


@dataclass
class PaymentOutcome:
    payments: list[Payment]
    receipt: Receipt | None
    warnings: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)  # 应缴 generated first, so that the payments count

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0.00"))


class AlreadyRecorded(ValidationError):
    """The form was submitted before (a double click, a reload, the back button): what it recorded
    stands under ``receipt``, and nothing is recorded again."""

    def __init__(self, receipt: Receipt):
        super().__init__(ALREADY_RECORDED)
        self.receipt = receipt


ALREADY_RECORDED = "该缴费已记录，请勿重复提交。"


def _refuse_if_recorded(submit_token: uuid.UUID | None) -> None:
    """A payment form carries a one-time token (``Receipt.submit_token``): refuse its second submit."""
    if submit_token is not None:
        receipt = Receipt.objects.filter(submit_token=submit_token).first()
        if receipt is not None:
            raise AlreadyRecorded(receipt)


def _receipt_issue(*, actor: Any, person: Person, unit_id: int, issued_on: dt.date,
                   submit_token: uuid.UUID | None = None) -> Receipt:
    """The unit's next receipt number for the year. Two people recording at once may pick the same
    number; the unique index makes the second wait for the first and fail, and it takes the next
    number (each try in a savepoint, so the surrounding transaction stays usable). The same
    form submitted twice at once carries the same token: its second receipt waits for the first
    and fails the same way, and is refused (:class:`AlreadyRecorded`)."""
    unit = OrgUnit.objects.get(pk=unit_id)
    prefix = f"{unit.code}-{issued_on.year}-"
    count = Receipt.objects.filter(number__startswith=prefix).count()
    for attempt in range(count + 1, count + 50):
        number = f"{prefix}{attempt:05d}"
        if Receipt.objects.filter(number=number).exists():
            continue
        try:
            with transaction.atomic():
                return Receipt.objects.create(number=number, person=person, unit=unit, issued_on=issued_on,
                                              created_by=actor if getattr(actor, "pk", None) else None,
                                              submit_token=submit_token)
        except IntegrityError:
            _refuse_if_recorded(submit_token)
            continue  # the number was taken meanwhile by a concurrent payment
    raise ValidationError("无法生成收据编号，请重试。")  # pragma: no cover


def dues_ensure(*, actor: Any, person: Person, month: dt.date, unit_id: int) -> str | None:
    """Payments always count: before a payment for a month that has begun is recorded, the month's
    应缴 must exist, or no figure would see the payment. When ``unit_id``'s branch has no 应缴 for the
    month at all (a new installation loading last year's payments), the branch's month is generated;
    when only this member's row is missing, the member's. Returns what was done, for the user, or
    None when the row was there (or the month has not begun: a prepayment waits for its month)."""
    month = first_of_month(month)
    if month > today() or DuesDue.objects.filter(person=person, month=month).exists():
        return None
    unit = OrgUnit.objects.get(pk=unit_id)
    whole_branch = not DuesDue.objects.filter(unit_id=unit_id, month=month).exists()
    report = dues_generate(actor=actor, month=month, unit=unit if whole_branch else None,
                           person_ids=None if whole_branch else [person.pk])
    whom = unit.name if whole_branch else f"{unit.name}{person.name}"
    return f"{whom}{month.year}年{month.month}月的应缴尚未生成，已先生成（新增{report.created}条），缴费计入收缴"


def _check_paid_on(paid_on: dt.date) -> None:
    if paid_on > today():
        raise ValidationError({"paid_on": "缴纳日期不能晚于今天。"})


@transaction.atomic
def payments_record(
    *, actor: Any, person: Person, months: list[dt.date], paid_on: dt.date, method: str = PaymentMethod.CASH,
    amounts: dict[dt.date, Decimal] | None = None, note: str = "", receipt: bool = True,
    submit_token: uuid.UUID | None = None,
) -> PaymentOutcome:
    """Record what ``person`` paid on ``paid_on`` for ``months`` (one month, a quarter's
    prepayment, or 补交 of past months) under one receipt.

    Each month's amount defaults to its amount due and may not exceed it; a month already paid
    is refused (the database refuses it too). Paying for a month more than 6 months back is
    allowed with a warning. ``submit_token``: the form's one-time token; a form submitted again
    raises :class:`AlreadyRecorded`.
    """
    _refuse_if_recorded(submit_token)
    if not months:
        raise ValidationError("请选择缴纳的月份。")
    if method not in PaymentMethod.values:
        raise ValidationError({"method": f"“{method}”不是有效的缴纳方式。"})
    _check_paid_on(paid_on)
    months = sorted({first_of_month(month) for month in months})
    amounts = {first_of_month(k): v for k, v in (amounts or {}).items()}
    tables = rates.load_tables()
    warnings: list[str] = []
    generated: list[str] = []
    planned: list[Payment] = []
    for month in months:
        unit_id = owing_unit(person, month)
        if unit_id is None:
            raise ValidationError(f"{person.name}在{month:%Y年%m月}不需缴纳党费（不在册或尚未接收为预备党员）。")
        if note_generated := dues_ensure(actor=actor, person=person, month=month, unit_id=unit_id):
            generated.append(note_generated)
        due = expected_amount(person, month, tables=tables)
        if due == 0 and month not in amounts:
            raise ValidationError(f"{person.name}{month:%Y年%m月}应缴金额为0（困难减免），无需缴纳。")
        amount = rates.checked_money(amounts.get(month, due), maximum=rates.MAX_PAYMENT)
        if amount > due:
            raise ValidationError({"amount": f"{person.name}{month:%Y年%m月}金额{amount}元超过应缴{due}元；"
                                             "多交部分请登记为自愿多交党费。"})
        if live_regular(person, month).exists():
            paid = _paid_total(person, month)
            if paid < due:
                raise ValidationError(f"{person.name}{month:%Y年%m月}已缴{paid}元，未缴足{due - paid}元，请在收缴表上“补足”。")
            raise ValidationError(f"{person.name}{month:%Y年%m月}的党费已登记缴纳，不能重复登记。")
        late = months_between(month, paid_on)
        if late > BACK_PAYMENT_WARN_MONTHS:
            warnings.append(f"{person.name}补交{month:%Y年%m月}党费，已超过{BACK_PAYMENT_WARN_MONTHS}个月（{late}个月），请核实原因。")
        planned.append(Payment(person=person, month=month, unit_id=unit_id, amount=amount, paid_on=paid_on,
                               method=method, note=note, months_late=late,
                               recorded_by=actor if getattr(actor, "pk", None) else None))
    issued = None
    if receipt:
        issued = _receipt_issue(actor=actor, person=person, unit_id=planned[-1].unit_id, issued_on=paid_on,
                                submit_token=submit_token)
    for payment in planned:
        payment.receipt = issued
        try:
            with transaction.atomic():
                save_with_history(payment, actor)
        except (IntegrityError, ValidationError) as exc:
            # Someone recorded the month since the check above: the model's constraint check (a
            # ValidationError naming the constraint) or the database's unique index (after waiting
            # for their commit) refuses it. Say so in words, not with the constraint's name.
            if not live_regular(person, payment.month).exists():
                raise
            raise ValidationError(f"{person.name}{payment.month:%Y年%m月}的党费已登记缴纳，不能重复登记。") from exc
    caching.bump("dues")
    return PaymentOutcome(planned, issued, warnings, generated)


def _paid_total(person: Person, month: dt.date) -> Decimal:
    return rates.money(sum((p.amount for p in live_regular(person, month)), Decimal("0.00")))


@transaction.atomic
def payment_top_up(
    *, actor: Any, person: Person, month: dt.date, paid_on: dt.date, amount: Decimal | None = None,
    method: str = PaymentMethod.CASH, note: str = "",
) -> PaymentOutcome:
    """补足: a further payment for a month paid in part, up to what is still owed (by default all of
    it), under a receipt of its own. It is the month's next instalment; the database refuses a
    second live payment with the same instalment, so two people topping up at once cannot both
    succeed."""
    month = first_of_month(month)
    if method not in PaymentMethod.values:
        raise ValidationError({"method": f"“{method}”不是有效的缴纳方式。"})
    _check_paid_on(paid_on)
    live = list(live_regular(person, month))
    if not live:
        raise ValidationError(f"{person.name}{month:%Y年%m月}尚未登记缴纳，请直接登记缴纳。")
    due = expected_amount(person, month)
    paid = rates.money(sum((p.amount for p in live), Decimal("0.00")))
    if paid >= due:
        raise ValidationError(f"{person.name}{month:%Y年%m月}的党费已缴足（{paid}元），无需补足。")
    owed = due - paid
    amount = rates.checked_money(owed if amount is None else amount, maximum=rates.MAX_PAYMENT)
    if amount > owed:
        raise ValidationError({"amount": f"{person.name}{month:%Y年%m月}还需补足{owed}元，补缴金额{amount}元超过了该数；"
                                         "多交部分请登记为自愿多交党费。"})
    first = min(live, key=lambda p: p.instalment)
    payment = Payment(person=person, month=month, unit_id=first.unit_id, amount=amount, paid_on=paid_on, method=method,
                      note=note or f"补足{month.year}年{month.month}月党费", months_late=months_between(month, paid_on),
                      instalment=max(p.instalment for p in live) + 1,
                      recorded_by=actor if getattr(actor, "pk", None) else None)
    payment.receipt = _receipt_issue(actor=actor, person=person, unit_id=payment.unit_id, issued_on=paid_on)
    try:
        with transaction.atomic():
            save_with_history(payment, actor)
    except (IntegrityError, ValidationError) as exc:
        raise ValidationError(f"{person.name}{month:%Y年%m月}刚刚已有人登记补足，请刷新后核对。") from exc
    caching.bump("dues")
    return PaymentOutcome([payment], payment.receipt)


def payment_prepay_quarter(
    *, actor: Any, person: Person, quarter: Period, paid_on: dt.date, method: str = PaymentMethod.CASH, note: str = "",
    submit_token: uuid.UUID | None = None,
) -> PaymentOutcome:
    """按季度预缴: the quarter's months not yet paid, at their amounts due, under one receipt."""
    _refuse_if_recorded(submit_token)
    if quarter.kind != "quarter":
        raise ValidationError("请选择季度，如 2026Q3。")
    paid = set(Payment.objects.filter(person=person, month__in=[m.start for m in quarter.months()],
                                      kind=PaymentKind.REGULAR, voided_at__isnull=True).values_list("month", flat=True))
    months = [m.start for m in quarter.months() if m.start not in paid]
    if not months:
        raise ValidationError(f"{person.name}{quarter.label}的党费已全部缴纳。")
    return payments_record(actor=actor, person=person, months=months, paid_on=paid_on, method=method,
                           note=note or f"预缴{quarter.label}党费", submit_token=submit_token)


@transaction.atomic
def payment_voluntary(
    *, actor: Any, person: Person, amount: Decimal, paid_on: dt.date, method: str = PaymentMethod.CASH, note: str = "",
    submit_token: uuid.UUID | None = None,
) -> PaymentOutcome:
    """自愿多交党费. A single voluntary payment of 1000 yuan or more is flagged to be remitted
    whole to the centre (党费规定). Nothing marks a voluntary payment as a duplicate but the
    form's one-time ``submit_token``: a form submitted again raises :class:`AlreadyRecorded`."""
    _refuse_if_recorded(submit_token)
    _check_paid_on(paid_on)
    amount = rates.checked_money(amount, maximum=rates.MAX_PAYMENT)
    month = first_of_month(paid_on)
    unit_id = owing_unit(person, month)
    if unit_id is None:
        membership = person.memberships.order_by("-started_on").first()
        if membership is None:
            raise ValidationError(f"{person.name}没有组织关系。")
        unit_id = membership.unit_id
    receipt = _receipt_issue(actor=actor, person=person, unit_id=unit_id, issued_on=paid_on, submit_token=submit_token)
    payment = Payment(person=person, month=month, unit_id=unit_id, kind=PaymentKind.VOLUNTARY, amount=amount,
                      paid_on=paid_on, method=method, note=note, receipt=receipt,
                      remit_to_centre=amount >= VOLUNTARY_CENTRE_THRESHOLD,
                      recorded_by=actor if getattr(actor, "pk", None) else None)
    save_with_history(payment, actor)
    warnings = ["一次性自愿缴纳1000元以上，应全额上缴中央。"] if payment.remit_to_centre else []
    caching.bump("dues")
    return PaymentOutcome([payment], receipt, warnings)


@transaction.atomic
def payment_void(*, actor: Any, payment: Payment, reason: str) -> Payment:
    """Void a payment with a reason; it stays in the ledger, marked, and the month is owed again."""
    caching.bump("dues")
    return record_void(actor=actor, record=payment, reason=reason)


@dataclass
class SheetOutcome:
    recorded: int = 0
    total: Decimal = Decimal("0.00")
    warnings: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)


@transaction.atomic
def payments_record_sheet(
    *, actor: Any, unit: OrgUnit, month: dt.date, paid: dict[int, Decimal], paid_on: dt.date,
    method: str = PaymentMethod.CASH,
) -> SheetOutcome:
    """The month sheet: ``paid`` maps person ids (ticked) to the amounts handed over. All or
    nothing: one refused line refuses the sheet."""
    month = first_of_month(month)
    owing = owing_units(month, unit=unit)
    people = {p.pk: p for p in Person.objects.filter(pk__in=list(paid))}
    outcome = SheetOutcome()
    for person_id, amount in paid.items():
        person = people.get(person_id)
        if person is None or person_id not in owing:
            raise ValidationError(f"第{person_id}号人员不在{unit.name}{month:%Y年%m月}的应缴名单中。")
        result = payments_record(actor=actor, person=person, months=[month], paid_on=paid_on, method=method,
                                 amounts={month: amount})
        outcome.recorded += 1
        outcome.total += result.total
        outcome.warnings += result.warnings
        outcome.generated += result.generated
    caching.bump("dues")
    return outcome


# ---------------------------------------------------------------------------------------------
# Remittances and arrears cases


@transaction.atomic
def remittance_record(
    *, actor: Any, unit: OrgUnit, period: Period, amount: Decimal, remitted_on: dt.date,
    to_centre: Decimal = Decimal("0"), reference: str = "", note: str = "",
) -> Remittance:
    if period.kind not in ("month", "quarter"):
        raise ValidationError({"period": "上交按月或按季度登记，如 2026-07 或 2026Q3。"})
    if remitted_on > today():
        raise ValidationError({"remitted_on": "上交日期不能晚于今天。"})
    amount = rates.checked_money(amount, maximum=rates.MAX_REMITTANCE, label="上交金额")
    to_centre = rates.checked_money(to_centre, maximum=rates.MAX_REMITTANCE, field="to_centre", label="上缴中央金额",
                                    allow_zero=True)
    if to_centre > amount:
        raise ValidationError({"to_centre": "上缴中央的金额不能超过上交总额。"})
    remittance = Remittance(unit=unit, period=str(period), amount=amount, remitted_on=remitted_on, to_centre=to_centre,
                            reference=reference.strip(), note=note.strip(),
                            recorded_by=actor if getattr(actor, "pk", None) else None)
    save_with_history(remittance, actor)
    caching.bump("dues")
    return remittance


@transaction.atomic
def remittance_void(*, actor: Any, remittance: Remittance, reason: str) -> Remittance:
    caching.bump("dues")
    return record_void(actor=actor, record=remittance, reason=reason)


@transaction.atomic
def arrears_cases_open(*, actor: Any, unit: OrgUnit, on: dt.date | None = None) -> list[ArrearsCase]:
    """Record a case for every member of ``unit`` unpaid for 6 consecutive months (idempotent)."""
    on = on or today()
    opened = []
    for arrear in arrears_for_unit(unit, on=on):
        if not arrear.lapse_case:
            continue
        first = arrear.run_start
        case = ArrearsCase.objects.filter(person_id=arrear.person_id, first_month=first).first()
        if case is None:
            case = ArrearsCase(person_id=arrear.person_id, unit_id=arrear.unit_id, first_month=first,
                               months=arrear.consecutive, opened_on=on)
            save_with_history(case, actor)
            opened.append(case)
        elif case.months != arrear.consecutive and case.state == ArrearsCase.State.OPEN:
            case.months = arrear.consecutive
            save_with_history(case, actor)
    caching.bump("dues")
    return opened


def arrears_notify(cases: list[ArrearsCase]) -> int:
    """Tell the branch's secretaries about newly opened cases (once per case)."""
    sent = 0
    for case in cases:
        for role in Role.objects.filter(unit_id=case.unit_id, kind__in=EDITOR_ROLES).select_related("user"):
            _, created = notify(
                user=role.user, key=f"dues-lapse-{case.pk}",
                title=f"{case.person.name}已连续{case.months}个月未缴纳党费",
                body="按党章第九条，连续6个月不缴纳党费的，须由支部大会研究按自行脱党处理（系统不会自动除名）。",
                url=reverse("dues:arrears", args=[case.unit_id]),
            )
            sent += created
    return sent


@transaction.atomic
def arrears_case_handle(
    *, actor: Any, case: ArrearsCase, state: str, handling: str, on: dt.date | None = None,
) -> ArrearsCase:
    """Record how the branch handled a case. The portal never removes the member: 除名 is decided
    by the 支部大会 and approved above, then recorded in the roster as an exit."""
    if state not in ArrearsCase.State.values or state == ArrearsCase.State.OPEN:
        raise ValidationError({"state": "请选择处理结果。"})
    if not handling.strip():
        raise ValidationError({"handling": "请填写处理情况（谈话、支部大会决议等）。"})
    case.state, case.handling, case.handled_on = state, handling.strip(), on or today()
    save_with_history(case, actor)
    caching.bump("dues")
    return case
