"""Demo data, part 4: the dues ledger (amounts due, payments, receipts, remittances, arrears) and
points for recent months. Bulk inserts, so the large scale (15,000 members × 24 months) stays fast.

Branches in ``ctx.behind`` carry arrears: a quarter of their members stopped paying 3–8 months ago
(some reach the 6-month 自行脱党 threshold). Elsewhere most pay in the month, a few pay late (补交)
or prepay a quarter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from branches.demo import DemoContext
from branches.periods import Period, add_months

from .models import DuesDue, Payment, PaymentMethod, PointsEntry, PointsItem, PointsSheet, Receipt, Remittance
from .points import add_working_days, points_compute_automatic, points_sheet_open, sheet_people
from .services import arrears_cases_open, dues_generate

METHODS = [PaymentMethod.WECHAT, PaymentMethod.WECHAT, PaymentMethod.TRANSFER, PaymentMethod.CASH,
           PaymentMethod.ALIPAY]


def seed(ctx: DemoContext) -> None:
    months = _months(ctx)
    for month in months:
        dues_generate(actor=None, month=month)
    _payments(ctx, months)
    _remittances(ctx, months)
    for branch in ctx.branches:
        if branch.pk in ctx.behind:
            arrears_cases_open(actor=None, unit=branch, on=ctx.today)
    _points(ctx)


def _months(ctx: DemoContext) -> list[dt.date]:
    months, month = [], ctx.start
    while month <= ctx.today:
        months.append(month)
        month = add_months(month, 1)
    return months


def _paid_day(ctx: DemoContext, month: dt.date, delay_months: int) -> dt.date:
    day = add_months(month, delay_months).replace(day=ctx.rng.randint(3, 25))
    return day


def _payments(ctx: DemoContext, months: list[dt.date]) -> None:
    rng, today = ctx.rng, ctx.today
    current = months[-1]
    rows = DuesDue.objects.filter(month__gte=months[0]).order_by("person_id", "month").values_list(
        "person_id", "unit_id", "month", "amount"
    )
    by_person: dict[int, list[tuple[int, dt.date, Decimal]]] = defaultdict(list)
    for person_id, unit_id, month, amount in rows:
        by_person[person_id].append((unit_id, month, amount))
    payments: list[Payment] = []
    for person_id, dues in by_person.items():
        unit_id = dues[-1][0]
        stops = None
        if unit_id in ctx.behind and rng.random() < 0.25:
            stops = add_months(current, -rng.choice([3, 4, 4, 7, 8]))
        prepayer = rng.random() < 0.1
        method = rng.choice(METHODS)
        for _unit, month, amount in dues:
            if amount <= 0 or (stops is not None and month >= stops):
                continue
            if prepayer and Period.month_of(month).index % 3 != 1:
                continue  # paid with the quarter's first month below
            roll = rng.random()
            delay = 1 if roll < 0.04 else 2 if roll < 0.05 else 0
            paid_on = _paid_day(ctx, month, delay)
            if prepayer:
                quarter = Period.containing(month, "quarter")
                paid_on = month.replace(day=rng.randint(2, 10))
                covered = [m.start for m in quarter.months() if m.start in {d[1] for d in dues}]
            else:
                covered = [month]
            if paid_on > today:
                if month == current and not prepayer:
                    continue  # not paid yet this month
                paid_on = today
            for covered_month in covered:
                due = next((d for d in dues if d[1] == covered_month), None)
                if due is None or due[2] <= 0:
                    continue
                payments.append(Payment(
                    person_id=person_id, month=covered_month, unit_id=due[0], amount=due[2], paid_on=paid_on,
                    method=method, months_late=_late(covered_month, paid_on),
                ))
    _receipts(ctx, payments, since=add_months(current, -2))
    Payment.objects.bulk_create(payments, batch_size=5000)


def _late(month: dt.date, paid_on: dt.date) -> int:
    return (paid_on.year * 12 + paid_on.month) - (month.year * 12 + month.month)


def _receipts(ctx: DemoContext, payments: list[Payment], since: dt.date) -> None:
    """Receipts for the last three months' payments (one per member and payment day)."""
    codes = {branch.pk: branch.code for branch in ctx.branches}
    groups: dict[tuple[int, dt.date], list[Payment]] = defaultdict(list)
    for payment in payments:
        if payment.paid_on >= since:
            groups[(payment.person_id, payment.paid_on)].append(payment)
    counters: dict[tuple[int, int], int] = defaultdict(int)
    receipts = []
    for (person_id, paid_on), group in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
        unit_id = group[-1].unit_id
        counters[(unit_id, paid_on.year)] += 1
        number = f"{codes.get(unit_id, unit_id)}-{paid_on.year}-{counters[(unit_id, paid_on.year)]:05d}"
        receipts.append(Receipt(number=number, person_id=person_id, unit_id=unit_id, issued_on=paid_on))
    Receipt.objects.bulk_create(receipts, batch_size=5000)
    numbers = dict(Receipt.objects.filter(number__in=[r.number for r in receipts]).values_list("number", "pk"))
    ordered = sorted(groups.items(), key=lambda item: (item[0][1], item[0][0]))
    for receipt, (_, group) in zip(receipts, ordered, strict=True):
        for payment in group:
            payment.receipt_id = numbers[receipt.number]


def _remittances(ctx: DemoContext, months: list[dt.date]) -> None:
    """Each branch remits a quarter's collection around the 10th of the next quarter; branches
    that are behind have not remitted the last finished quarter."""
    quarters = sorted({Period.containing(month, "quarter") for month in months})
    collected = defaultdict(Decimal)
    for unit_id, month, amount in Payment.objects.values_list("unit_id", "month", "amount"):
        collected[(unit_id, Period.containing(month, "quarter"))] += amount
    rows = []
    for quarter in quarters:
        remitted_on = add_months(quarter.end.replace(day=1), 1).replace(day=ctx.rng.randint(5, 15))
        if remitted_on > ctx.today:
            continue
        last_finished = quarter.next().start > add_months(ctx.today.replace(day=1), -3)
        for branch in ctx.branches:
            if branch.pk in ctx.behind and last_finished:
                continue
            amount = collected.get((branch.pk, quarter))
            if amount:
                rows.append(Remittance(unit=branch, period=str(quarter), amount=amount, remitted_on=remitted_on,
                                       reference=f"JF{remitted_on:%Y%m}{branch.pk:04d}"))
    Remittance.objects.bulk_create(rows, batch_size=2000)


def _points(ctx: DemoContext) -> None:
    """Three recent months: the older two confirmed, the last one in 公示 (or under review)."""
    rng, today = ctx.rng, ctx.today
    first_of_this = today.replace(day=1)
    months = [add_months(first_of_this, -offset) for offset in (3, 2, 1)]
    manual = {item.code: item for item in PointsItem.objects.filter(source="manual")}
    notes = {"lecture": "在支部讲专题党课", "volunteer": "参加社区志愿服务", "article": "在机关刊物发表文章",
             "honour": "获评优秀共产党员"}
    entries = []
    for month in months:
        for branch in ctx.branches:
            sheet = points_sheet_open(actor=None, unit=branch, month=month)
            points_compute_automatic(actor=None, sheet=sheet)
            for person in sheet_people(branch, month):
                if rng.random() < 0.3:
                    code = rng.choice(["volunteer", "volunteer", "article", "lecture", "honour"])
                    item = manual[code]
                    entries.append(PointsEntry(sheet=sheet, person=person, item=item, points=item.points, count=1,
                                               note=notes[code], self_reported=rng.random() < 0.5))
            if month == months[-1]:
                published = add_working_days(first_of_this, 2)
                if branch.pk in ctx.behind or published > today:
                    PointsSheet.objects.filter(pk=sheet.pk).update(state=PointsSheet.State.REVIEW)
                else:
                    PointsSheet.objects.filter(pk=sheet.pk).update(
                        state=PointsSheet.State.PUBLIC, published_on=published,
                        publication_ends_on=add_working_days(published, sheet.scheme.publication_days))
            else:
                PointsSheet.objects.filter(pk=sheet.pk).update(state=PointsSheet.State.CONFIRMED,
                                                               published_on=add_months(month, 1).replace(day=3),
                                                               publication_ends_on=add_months(month, 1).replace(day=10),
                                                               confirmed_on=add_months(month, 1).replace(day=12))
    PointsEntry.objects.bulk_create(entries, batch_size=5000)
