"""Demo data, part 4: the dues ledger (amounts due, payments, receipts, remittances, arrears) and
points for recent months. Written with bulk inserts (raw ``executemany`` for the two big tables)
so the large scale — 15,000 members × 24 months — stays fast.

Branches in ``ctx.behind`` carry arrears: a quarter of their members stopped paying 3–8 months ago,
and in each of them one current member stopped 7 months ago (past the 6-month 自行脱党 threshold,
whatever day the demo is seeded). Elsewhere most pay within the month, a few pay late (补交) or
prepay a quarter, and a few paid last month in part (未缴足, to be topped up).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches.demo import DemoContext, refresh_statistics
from branches.periods import Period, add_months
from members.models import Status

from .models import (
    DuesBase,
    DuesCategory,
    DuesDue,
    Payment,
    PaymentMethod,
    PointsEntry,
    PointsItem,
    PointsSheet,
    Receipt,
    Remittance,
)
from .points import add_working_days, late_dues_counts, scheme_for
from .selectors import owing_units_bulk
from .services import arrears_cases_open, dues_backfill

METHODS = [PaymentMethod.WECHAT, PaymentMethod.WECHAT, PaymentMethod.TRANSFER, PaymentMethod.CASH,
           PaymentMethod.ALIPAY]


def seed(ctx: DemoContext) -> None:
    _dues_bases(ctx)
    months = _months(ctx)
    dues_backfill(actor=None, months=months)
    payments = _payments(ctx, months)
    _remittances(ctx, payments)
    refresh_statistics()
    arrears_cases_open(actor=None, unit=ctx.top, on=ctx.today)  # one pass over the whole ledger
    _points(ctx)


def _dues_bases(ctx: DemoContext) -> None:
    """Each 正式 or 预备党员's dues base from the month they joined (or the demo's start)."""
    rng = ctx.rng
    rows = []
    for people in ctx.people.values():
        for person in people:
            if person.status not in (Status.FULL, Status.PROBATIONARY):
                continue
            start = min(ctx.joined[person.pk], ctx.start).replace(day=1)
            if person.position == "退休干部" or person.birth_date.year < 1964:
                rows.append(DuesBase(person=person, category=DuesCategory.RETIRED, effective_from=start,
                                     base=Decimal(rng.randrange(3000, 9000, 10))))
            elif rng.random() < 0.03:
                rows.append(DuesBase(person=person, category=DuesCategory.HARDSHIP, effective_from=start, base=None,
                                     approval_ref="机关党委〔2025〕3号"))
            else:
                rows.append(DuesBase(person=person, category=DuesCategory.EMPLOYED, effective_from=start,
                                     base=Decimal(rng.randrange(2800, 16000, 10))))
    bulk_create_with_history(rows, DuesBase, batch_size=2000)


def _months(ctx: DemoContext) -> list[dt.date]:
    months, month = [], ctx.start
    while month <= ctx.today:
        months.append(month)
        month = add_months(month, 1)
    return months


def _late(month: dt.date, paid_on: dt.date) -> int:
    return (paid_on.year * 12 + paid_on.month) - (month.year * 12 + month.month)


def _payments(ctx: DemoContext, months: list[dt.date]) -> list[tuple]:
    """Decide who paid what and when; insert payments and recent receipts. Returns the payments
    as ``(person, month, unit, amount, paid_on, method)``."""
    rng, today = ctx.rng, ctx.today
    current = months[-1]
    by_person: dict[int, list[tuple[int, dt.date, Decimal]]] = defaultdict(list)
    for person_id, unit_id, month, amount in DuesDue.objects.filter(month__gte=months[0]).order_by(
        "person_id", "month"
    ).values_list("person_id", "unit_id", "month", "amount"):
        by_person[person_id].append((unit_id, month, amount))
    paid: list[tuple] = []
    last_month = add_months(current, -1)
    lapsed: set[int] = set()  # behind branches already given a member 6+ months in arrears
    for person_id, dues in by_person.items():
        stops = None
        branch_id = dues[-1][0]
        # a member still owing this month, with something due in each of the last 8 months
        lapsable = dues[-1][1] == current and len(dues) >= 8 and all(amount > 0 for _, _, amount in dues[-8:])
        if branch_id in ctx.behind and branch_id not in lapsed and lapsable:
            lapsed.add(branch_id)
            stops = add_months(current, -7)
        elif branch_id in ctx.behind and rng.random() < 0.25:
            stops = add_months(current, -rng.choice([3, 4, 4, 7, 8]))
        prepayer = rng.random() < 0.1
        method = rng.choice(METHODS)
        owed = {month: (unit_id, amount) for unit_id, month, amount in dues}
        for _unit, month, amount in dues:
            if amount <= 0 or (stops is not None and month >= stops):
                continue
            if prepayer:
                if Period.month_of(month).index % 3 != 1:
                    continue  # paid with the quarter's first month
                paid_on = month.replace(day=rng.randint(2, 10))
                covered = [m.start for m in Period.containing(month, "quarter").months()
                           if m.start in owed and (stops is None or m.start < stops)]
            else:
                roll = rng.random()
                delay = 1 if roll < 0.04 else 2 if roll < 0.05 else 0
                paid_on = add_months(month, delay).replace(day=rng.randint(3, 25))
                covered = [month]
            if paid_on > today:
                if month == current and not prepayer:
                    continue  # not paid yet this month
                paid_on = today
            for covered_month in covered:
                unit_id, due = owed[covered_month]
                if due > 0:
                    if not prepayer and covered_month == last_month and person_id % 11 == 0:
                        due = _partial(due)  # paid in part (say 100.00 of 128.10): 未缴足, to be topped up
                    paid.append((person_id, covered_month, unit_id, due, paid_on, method))
    receipts = _receipts(ctx, paid, since=add_months(current, -2))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    date = connection.ops.adapt_datefield_value
    money = connection.ops.adapt_decimalfield_value
    rows = [
        (pid, date(month), uid, "regular", money(amount), date(paid_on), method, "",
         receipts.get((pid, paid_on)), _late(month, paid_on), 1, False, now, "")
        for pid, month, uid, amount, paid_on, method in paid
    ]
    sql = (f"INSERT INTO {Payment._meta.db_table} (person_id, month, unit_id, kind, amount, paid_on, method, note, "
           "receipt_id, months_late, instalment, remit_to_centre, recorded_at, void_reason) "
           "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")
    with connection.cursor() as cursor:
        for index in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[index:index + 5000])
    return paid


def _partial(due: Decimal) -> Decimal:
    """A round sum short of ``due`` (three quarters of it, in whole yuan), or ``due`` when too small.
    Chosen by person id rather than by the random generator, so the rest of the demo stays as it was."""
    part = Decimal(int(due * 3 / 4))
    return part if 0 < part < due else due


def _receipts(ctx: DemoContext, paid: list[tuple], since: dt.date) -> dict[tuple[int, dt.date], int]:
    """Receipts for the last three months' payments: one per member and payment day."""
    codes = {branch.pk: branch.code for branch in ctx.branches}
    groups: dict[tuple[int, dt.date], int] = {}
    for pid, _month, uid, _amount, paid_on, _method in paid:
        if paid_on >= since:
            groups[(pid, paid_on)] = uid
    counters: dict[tuple[int, int], int] = defaultdict(int)
    receipts = []
    for (pid, paid_on), uid in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
        counters[(uid, paid_on.year)] += 1
        number = f"{codes.get(uid, uid)}-{paid_on.year}-{counters[(uid, paid_on.year)]:05d}"
        receipts.append(Receipt(number=number, person_id=pid, unit_id=uid, issued_on=paid_on))
    Receipt.objects.bulk_create(receipts, batch_size=5000)
    ids = dict(Receipt.objects.filter(issued_on__gte=since).values_list("number", "pk"))
    return {(r.person_id, r.issued_on): ids[r.number] for r in receipts}


def _remittances(ctx: DemoContext, paid: list[tuple]) -> None:
    """Each branch remits a quarter's collection around the 10th of the next quarter; branches
    that are behind have not remitted the last finished quarter."""
    collected: dict[tuple[int, Period], Decimal] = defaultdict(Decimal)
    for _pid, month, uid, amount, _paid_on, _method in paid:
        collected[(uid, Period.containing(month, "quarter"))] += amount
    last_finished = Period.containing(ctx.today, "quarter").previous()
    rows = []
    for quarter in sorted({quarter for _, quarter in collected}):
        remitted_on = add_months(quarter.end.replace(day=1), 1).replace(day=ctx.rng.randint(5, 15))
        if remitted_on > ctx.today:
            continue
        for branch in ctx.branches:
            if branch.pk in ctx.behind and quarter == last_finished:
                continue
            amount = collected.get((branch.pk, quarter))
            if amount:
                rows.append(Remittance(unit=branch, period=str(quarter), amount=amount, remitted_on=remitted_on,
                                       reference=f"JF{remitted_on:%Y%m}{branch.pk:04d}"))
    Remittance.objects.bulk_create(rows, batch_size=2000)


def _points(ctx: DemoContext) -> None:
    """Three recent months: the older two confirmed, the last one in 公示 (under review in the
    branches that are behind). Automatic items come from the same late-dues provider as the UI."""
    rng, today = ctx.rng, ctx.today
    first_of_this = today.replace(day=1)
    months = [add_months(first_of_this, -offset) for offset in (3, 2, 1)]
    owing = owing_units_bulk(months)
    manual = {item.code: item for item in PointsItem.objects.filter(source="manual", scheme=scheme_for(months[-1]))}
    notes = {"lecture": "在支部讲专题党课", "volunteer": "参加社区志愿服务", "article": "在机关刊物发表文章",
             "honour": "获评优秀共产党员"}
    branch_ids = {branch.pk for branch in ctx.branches}
    sheets = []
    for month in months:
        scheme = scheme_for(month)
        last = month == months[-1]
        published = add_working_days(add_months(month, 1), 2)
        for branch in ctx.branches:
            sheet = PointsSheet(unit=branch, month=month, scheme=scheme, state=PointsSheet.State.CONFIRMED,
                                published_on=published, publication_ends_on=add_working_days(published, 5),
                                confirmed_on=add_working_days(published, 6))
            if last:
                sheet.confirmed_on = None
                if branch.pk in ctx.behind or published > today:
                    sheet.state, sheet.published_on, sheet.publication_ends_on = PointsSheet.State.REVIEW, None, None
                else:
                    sheet.state = PointsSheet.State.PUBLIC
            sheets.append(sheet)
    PointsSheet.objects.bulk_create(sheets, batch_size=2000)
    sheet_ids = {(s.unit_id, s.month): s.pk for s in PointsSheet.objects.filter(month__in=months)}
    late_item = PointsItem.objects.get(scheme=scheme_for(months[-1]), code="late_dues")
    entries = []
    for month in months:
        members = {pid: uid for pid, uid in owing[month].items() if uid in branch_ids}
        late = late_dues_counts(ctx.top, month, list(members))
        for pid in sorted(members):
            sheet_id = sheet_ids[(members[pid], month)]
            if late.get(pid):
                entries.append(PointsEntry(sheet_id=sheet_id, person_id=pid, item=late_item, count=1,
                                           points=late_item.points, automatic=True, note=late_item.note))
            if rng.random() < 0.3:
                code = rng.choice(["volunteer", "volunteer", "article", "lecture", "honour"])
                item = manual[code]
                entries.append(PointsEntry(sheet_id=sheet_id, person_id=pid, item=item, points=item.points,
                                           count=1, note=notes[code], self_reported=rng.random() < 0.5))
    PointsEntry.objects.bulk_create(entries, batch_size=5000)
