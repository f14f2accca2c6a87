"""Quarterly branch scorecards computed from the records (domain-rules.md rubric).

Every computed item carries the points, a sentence saying why, and links to the records behind
it. All branches of a committee are computed together in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q

from branches.models import Officer, OfficerRole, OrgUnit, Term, UnitKind, in_subtree, today
from branches.periods import Period
from branches.selectors import COMMITTEE_THRESHOLD, has_committee, term_status
from dues.models import PointsSheet, Remittance
from dues.selectors import figures_by_branch
from meetings import compliance
from meetings.models import Attendance, AttendanceStatus, MeetingStatus
from members.org_tree import member_counts
from members.selectors import pipeline_in

from .links import link
from .models import ManualScore, Rubric, RubricItem, ScoreMethod

BANDS = [(Decimal(90), "优秀"), (Decimal(80), "良好"), (Decimal(60), "一般"), (Decimal(0), "较差")]
ONE_PLACE = Decimal("0.1")


def band_for(total: Decimal) -> str:
    return next(label for floor, label in BANDS if total >= floor)


def _points(max_points: Decimal, share: Decimal) -> Decimal:
    share = max(Decimal(0), min(Decimal(1), share))
    return (max_points * share).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass
class Evidence:
    label: str
    url: str


@dataclass
class ItemScore:
    code: str
    category: str
    label: str
    max: Decimal
    points: Decimal | None  # None: a manual item not yet scored
    explanation: str
    evidence: list[Evidence] = field(default_factory=list)
    manual: bool = False


@dataclass
class BranchCard:
    unit: OrgUnit
    period: Period
    items: list[ItemScore]
    rank: int = 0
    ranked_among: int = 0

    @property
    def total(self) -> Decimal:
        return sum((item.points or Decimal(0) for item in self.items), Decimal(0))

    @property
    def band(self) -> str:
        return band_for(self.total)

    @property
    def complete(self) -> bool:
        return all(item.points is not None for item in self.items)

    def by_category(self) -> list[tuple[str, Decimal, Decimal]]:
        """(category, points, max) in rubric order."""
        totals: dict[str, list[Decimal]] = {}
        for item in self.items:
            entry = totals.setdefault(item.category, [Decimal(0), Decimal(0)])
            entry[0] += item.points or Decimal(0)
            entry[1] += item.max
        return [(category, values[0], values[1]) for category, values in totals.items()]

    def snapshot(self) -> dict[str, Any]:
        return {
            "total": str(self.total), "band": self.band,
            "items": [{**asdict(item), "max": str(item.max),
                       "points": None if item.points is None else str(item.points)} for item in self.items],
        }


def rubric_for(period: Period) -> Rubric:
    rubric = Rubric.objects.in_force(period.end).first()
    if rubric is None:
        raise LookupError(f"{period.label}没有适用的考核细则，请管理员先设置。")
    return rubric


def branches_of(root: OrgUnit, period: Period) -> list[OrgUnit]:
    """The 党支部 under ``root`` that existed during the quarter."""
    qs = OrgUnit.objects.filter(in_subtree(root), kind=UnitKind.BRANCH)
    qs = qs.filter(Q(archived_on__isnull=True) | Q(archived_on__gte=period.start))
    qs = qs.filter(Q(founded_on__isnull=True) | Q(founded_on__lte=period.end))
    return list(qs.order_by("path"))


class _Records:
    """Everything the rubric needs for a set of branches and a quarter, read in bulk."""

    def __init__(self, root: OrgUnit, branches: list[OrgUnit], period: Period, on: dt.date):
        self.period, self.on = period, on
        end = min(period.end, on)
        ids = [b.pk for b in branches]
        self.counts = member_counts(branches, on=end)
        officers: dict[int, list[Officer]] = defaultdict(list)
        for officer in Officer.objects.filter(unit_id__in=ids, started_on__lte=end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=end)
        ):
            officer.ended_on = None  # in office on the day that matters
            officers[officer.unit_id].append(officer)
        self.officers = officers
        self.terms: dict[int, Term] = {}
        for term in Term.objects.filter(unit_id__in=ids, started_on__lte=end).order_by("unit_id", "-started_on"):
            self.terms.setdefault(term.unit_id, term)
        groups = OrgUnit.objects.filter(parent_id__in=ids, kind=UnitKind.GROUP).filter(
            Q(archived_on__isnull=True) | Q(archived_on__gt=end)
        )
        self.groups = dict(groups.values("parent_id").annotate(n=Count("id")).values_list("parent_id", "n"))
        self.compliance = {r.unit.pk: r for r in compliance.evaluate(root, period, on=on).units}
        year = Period(period.year, "year")
        self.year_compliance = {
            r.unit.pk: r for r in compliance.evaluate(root, year, on=end, units=branches, codes={"talk"}).units
        }
        self.groups_of: dict[int, list[int]] = defaultdict(list)
        for group_id, parent_id in OrgUnit.objects.filter(parent_id__in=ids, kind=UnitKind.GROUP).values_list("id", "parent_id"):
            self.groups_of[parent_id].append(group_id)
        attendance: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        rows = (Attendance.objects.filter(in_subtree(root, "meeting__unit"), meeting__status=MeetingStatus.CONFIRMED,
                                          meeting__date__range=(period.start, end))
                .values("meeting__unit__path", "status").annotate(n=Count("id")))
        branch_ids = set(ids)
        for row in rows:
            for part in row["meeting__unit__path"].strip("/").split("/"):
                if int(part) in branch_ids:
                    attendance[int(part)][row["status"]] += row["n"]
        self.attendance = attendance
        self.present, self.expected_statuses = AttendanceStatus.PRESENT, (
            AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT)
        sheets: dict[int, dict[dt.date, str]] = defaultdict(dict)
        for unit_id, month, state in PointsSheet.objects.filter(
            unit_id__in=ids, month__range=(period.start, period.end)
        ).values_list("unit_id", "month", "state"):
            sheets[unit_id][month] = state
        self.sheets = sheets
        self.published_states = (PointsSheet.State.PUBLIC, PointsSheet.State.CONFIRMED)
        self.figures = {unit.pk: figures for unit, figures in figures_by_branch(root, period)}
        labels = [str(m) for m in period.months()] + [str(period)]
        remitted: dict[int, list[dt.date]] = defaultdict(list)
        for unit_id, day in Remittance.objects.filter(unit_id__in=ids, voided_at__isnull=True, period__in=labels) \
                .values_list("unit_id", "remitted_on"):
            remitted[unit_id].append(day)
        self.remitted = remitted
        self.overdue: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
        for entry in pipeline_in(root.path):
            if entry.progress.overdue:
                self.overdue[entry.unit_id].append((entry.person, entry.progress))
        self.manual = {(m.unit_id, m.item_id): m for m in ManualScore.objects.filter(unit_id__in=ids, period=str(period))}

    def rule_holders(self, branch: OrgUnit) -> list[Any]:
        """The compliance results of the branch and of its 党小组."""
        holders = [self.compliance[branch.pk]] if branch.pk in self.compliance else []
        holders += [self.compliance[g] for g in self.groups_of.get(branch.pk, []) if g in self.compliance]
        return holders


def _score(item: RubricItem, unit: OrgUnit, data: _Records) -> ItemScore:
    method, max_points, params = item.method, item.max_points, item.params or {}
    score = ItemScore(item.code, item.category, item.label, max_points, None, "")
    q = str(data.period)
    if method == ScoreMethod.OFFICERS:
        counts, officers = data.counts[unit.pk], data.officers.get(unit.pk, [])
        roles = {o.role for o in officers}
        needed = [OfficerRole.SECRETARY]
        if counts.full >= COMMITTEE_THRESHOLD:
            needed += [OfficerRole.ORGANISATION, OfficerRole.PUBLICITY, OfficerRole.DISCIPLINE]
        missing = [OfficerRole(role).label for role in needed if role not in roles]
        if counts.full >= COMMITTEE_THRESHOLD and not has_committee(officers):
            missing.insert(0, "支委会")
        score.points = max_points if not missing else Decimal(0)
        score.explanation = ("委员配备齐全" if not missing else f"正式党员{counts.full}人，缺：{'、'.join(missing)}")
        score.evidence = [Evidence("支部委员", link("org:unit", unit.pk))]
    elif method == ScoreMethod.TERMS:
        status = term_status(data.terms.get(unit.pk), min(data.period.end, data.on))
        score.points = Decimal(0) if status.code in ("overdue", "none") else max_points
        score.explanation = status.label
        score.evidence = [Evidence("换届记录", link("org:unit", unit.pk))]
    elif method == ScoreMethod.GROUPS:
        threshold = int(params.get("min_members", 10))
        members, groups = data.counts[unit.pk].party_members, data.groups.get(unit.pk, 0)
        ok = members < threshold or groups > 0
        score.points = max_points if ok else Decimal(0)
        score.explanation = (f"党员{members}人，设党小组{groups}个" if members >= threshold
                             else f"党员{members}人，不足{threshold}人，不要求设党小组")
        score.evidence = [Evidence("下级组织", link("org:unit", unit.pk))]
    elif method == ScoreMethod.MEETINGS:
        code = params.get("rule", "")
        results = [r.rule(code) for r in data.rule_holders(unit) if r.rule(code)]
        # Sub-periods still open and not yet met are not held against the branch.
        parts = [part for result in results for part in result.parts if part.met or part.period.end < data.on]
        required = sum(part.required for part in parts)
        held = sum(part.credited for part in parts)
        pending = sum(len(result.parts) for result in results) - len(parts)
        if params.get("committee_required") and not results and data.counts[unit.pk].full >= COMMITTEE_THRESHOLD:
            score.points = Decimal(0)
            score.explanation = f"正式党员{data.counts[unit.pk].full}人，应设支委会而未设，无法按期召开支委会"
        elif not results:
            score.points, score.explanation = max_points, "本季度不适用（未设支委会或党小组），不扣分"
        elif not required:
            score.points, score.explanation = max_points, "本季度各期尚未到期"
        else:
            score.points = _points(max_points, Decimal(held) / Decimal(required))
            score.explanation = f"已到期{required}次，按期召开{held}次" + (f"，另有{pending}期尚未到期" if pending else "")
        score.evidence = [Evidence("会议记录", link("meetings:cell", unit=unit.pk, code=code, period=q))]
    elif method == ScoreMethod.ATTENDANCE:
        threshold = Decimal(str(params.get("threshold", 90)))
        statuses = data.attendance.get(unit.pk, {})
        expected = sum(statuses.get(s, 0) for s in data.expected_statuses)
        present = statuses.get(data.present, 0)
        if not expected:
            score.points, score.explanation = Decimal(0), "本季度没有已确认的会议出勤记录"
        else:
            rate = Decimal(present) * 100 / Decimal(expected)
            score.points = _points(max_points, rate / threshold)
            score.explanation = f"应到{expected}人次，实到{present}人次，出勤率{rate.quantize(ONE_PLACE)}%（标准{threshold}%）"
        score.evidence = [Evidence("会议记录", link("meetings:list", unit=unit.pk, period=q, status="confirmed"))]
    elif method == ScoreMethod.POINTS:
        months = [m.start for m in data.period.months() if m.start <= data.on]
        states = data.sheets.get(unit.pk, {})
        done = [m for m in months if states.get(m) in data.published_states]
        due = [m for m in months if m.replace(day=1) < data.on.replace(day=1)] or months
        share = Decimal(len([m for m in done if m in due])) / Decimal(len(due)) if due else Decimal(1)
        score.points = _points(max_points, share)
        missing = [f"{m.month}月" for m in due if m not in done]
        score.explanation = f"已公示{len(done)}个月" + (f"，{'、'.join(missing)}未公示" if missing else "")
        score.evidence = [Evidence("积分", link("dues:points_year", unit.pk))]
    elif method == ScoreMethod.TALKS:
        result = data.year_compliance.get(unit.pk)
        rule = result.rule("talk") if result else None
        if rule is None or not rule.required:
            score.points, score.explanation = max_points, "本年度无谈心谈话要求"
        else:
            target = Decimal(rule.required) * data.period.index / 4
            score.points = _points(max_points, Decimal(rule.held) / target if target else Decimal(1))
            score.explanation = (f"全年应谈{rule.required}人次，截至本季度已谈{rule.held}人次"
                                 f"（进度要求{target.quantize(ONE_PLACE)}）")
        score.evidence = [Evidence("谈心谈话", link("meetings:talks", unit=unit.pk))]
    elif method == ScoreMethod.DUES_RATE:
        figures = data.figures.get(unit.pk)
        rate = figures.rate_money if figures else None
        if rate is None:
            score.points, score.explanation = max_points, "本季度无应缴党费"
        else:
            score.points = _points(max_points, rate / 100)
            score.explanation = f"应缴{figures.due}元，实缴{figures.paid}元，收缴率{rate}%"
        score.evidence = [Evidence("党费台账", link("dues:unit", unit.pk, period=q))]
    elif method == ScoreMethod.REMITTANCE:
        deadline = data.period.end + dt.timedelta(days=int(params.get("deadline_days", 15)))
        figures = data.figures.get(unit.pk)
        days = data.remitted.get(unit.pk, [])
        if figures is None or not figures.paid:
            score.points, score.explanation = max_points, "本季度无收缴，无需上交"
        elif any(day <= deadline for day in days):
            score.points, score.explanation = max_points, f"已于{min(days):%Y-%m-%d}上交（期限{deadline:%Y-%m-%d}）"
        elif data.on <= deadline:
            score.points, score.explanation = max_points, f"尚未上交，期限{deadline:%Y-%m-%d}"
        else:
            score.points = Decimal(0)
            score.explanation = f"未在{deadline:%Y-%m-%d}前上交" + (f"（{min(days):%Y-%m-%d}补交）" if days else "")
        score.evidence = [Evidence("上交记录", link("dues:remittances", unit.pk))]
    elif method == ScoreMethod.PIPELINE:
        overdue = data.overdue.get(unit.pk, [])
        score.points = max_points if not overdue else Decimal(0)
        score.explanation = ("发展党员各环节均按期" if not overdue else
                             "超期：" + "；".join(f"{p.name}（{prog.overdue[0].message}）" for p, prog in overdue[:5]))
        score.evidence = [Evidence("发展党员台账", link("members:pipeline", unit=unit.pk))]
    elif method == ScoreMethod.MANUAL:
        score.manual = True
        manual = data.manual.get((unit.pk, item.pk))
        if manual is not None:
            score.points, score.explanation = manual.points, manual.comment
        else:
            score.explanation = "待党委评定"
    return score


def compute(root: OrgUnit, period: Period, *, on: dt.date | None = None) -> list[BranchCard]:
    """Live scorecards of every branch under ``root`` for a quarter, ranked by total."""
    if period.kind != "quarter":
        raise ValueError("scorecards are quarterly")
    day = on or today()
    rubric = rubric_for(period)
    items = list(rubric.items.all())
    branches = branches_of(root, period)
    if not branches:
        return []
    data = _Records(root, branches, period, day)
    cards = [BranchCard(unit, period, [_score(item, unit, data) for item in items]) for unit in branches]
    rank_cards(cards)
    return cards


def rank_cards(cards: list[BranchCard]) -> None:
    """Competition ranking (1, 2, 2, 4) by total, ties sharing a rank."""
    ordered = sorted(cards, key=lambda card: (-card.total, card.unit.code))
    previous, rank = None, 0
    for position, card in enumerate(ordered, start=1):
        if card.total != previous:
            rank, previous = position, card.total
        card.rank, card.ranked_among = rank, len(cards)
    cards.sort(key=lambda card: (card.rank, card.unit.code))


def card_from_snapshot(row: Any) -> BranchCard:
    items = [ItemScore(
        code=i["code"], category=i["category"], label=i["label"], max=Decimal(i["max"]),
        points=None if i["points"] is None else Decimal(i["points"]), explanation=i["explanation"],
        evidence=[Evidence(**e) for e in i["evidence"]], manual=i["manual"],
    ) for i in row.snapshot["items"]]
    return BranchCard(row.unit, Period.parse(row.period), items, rank=row.rank, ranked_among=row.ranked_among)
