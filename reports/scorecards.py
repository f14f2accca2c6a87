"""Quarterly branch scorecards computed from the records (domain-rules.md rubric).

Every computed item carries the points, a sentence saying why, and links to the records behind
it. All branches of a committee are computed together in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from branches import facts as org
from branches.facts import Window
from branches.models import OfficerRole, OrgUnit, UnitKind, today
from branches.periods import Period
from branches.selectors import COMMITTEE_THRESHOLD, has_committee
from dues import facts as ledger
from meetings import facts as life
from members import facts as people

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
    return list(org.units_during(root, period.start, period.end, (UnitKind.BRANCH,)))


class _Records:
    """Everything the rubric needs for a set of branches and a quarter, read in bulk through the
    facts functions (docs/figures.md), each branch's figures over its own subtree."""

    def __init__(self, root: OrgUnit, branches: list[OrgUnit], period: Period, on: dt.date):
        self.period, self.on = period, on
        end = min(period.end, on)
        window = Window.of(period, on)
        self.counts = people.member_counts(branches, on=end)
        self.officers = org.officers_in_office(branches, end)
        self.terms = org.term_statuses(branches, end)
        self.groups = org.groups_by_branch(branches, end)
        report = life.compliance(root, period, on=on)
        self.holders = life.rule_holders(report)
        year = Period(period.year, "year")
        self.year_compliance = {
            r.unit.pk: r for r in life.compliance(root, year, on=end, units=branches, codes={"talk"}).units
        }
        self.attendance = life.attendance_by_unit(root, branches, window)
        self.sheets = ledger.points_states_by_unit(root, Window(period.start, period.end))
        self.published_states = ledger.PUBLISHED_STATES
        self.figures = {unit.pk: figures for unit, figures in ledger.figures_by_branch(root, period, on=end)}
        self.remitted = ledger.remittance_dates_by_unit(root, period)
        self.development = people.development_by_unit(root, window)
        self.manual = {(m.unit_id, m.item_id): m for m in ManualScore.objects.filter(unit__in=branches, period=str(period))}

    def rule_holders(self, branch: OrgUnit) -> list[Any]:
        """The compliance results of the branch and of its 党小组."""
        return self.holders.get(branch.pk, [])


def _score(item: RubricItem, unit: OrgUnit, data: _Records) -> ItemScore:
    method, max_points, params = item.method, item.max_points, item.params or {}
    score = ItemScore(item.code, item.category, item.label, max_points, None, "")
    q = str(data.period)
    if method == ScoreMethod.OFFICERS:
        counts, officers = data.counts[unit.pk], data.officers.get(unit.pk, [])
        roles = {o.role for o in officers}  # in office at the quarter's end (or today)
        needed = [OfficerRole.SECRETARY]
        if counts.full >= COMMITTEE_THRESHOLD:
            needed += [OfficerRole.ORGANISATION, OfficerRole.PUBLICITY, OfficerRole.DISCIPLINE]
        missing = [OfficerRole(role).label for role in needed if role not in roles]
        if counts.full >= COMMITTEE_THRESHOLD and not has_committee(officers, min(data.period.end, data.on)):
            missing.insert(0, "支委会")
        score.points = max_points if not missing else Decimal(0)
        score.explanation = ("委员配备齐全" if not missing else f"正式党员{counts.full}人，缺：{'、'.join(missing)}")
        score.evidence = [Evidence("支部委员", link("org:unit", unit.pk))]
    elif method == ScoreMethod.TERMS:
        status = data.terms[unit.pk]
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
        counted = data.attendance[unit.pk]
        if counted.rate is None:
            score.points, score.explanation = Decimal(0), "本季度没有已确认的会议出勤记录"
        else:
            score.points = _points(max_points, counted.rate / threshold)
            score.explanation = (f"应到{counted.expected}人次，实到{counted.present}人次，出勤率{counted.percent}%"
                                 f"（标准{threshold}%）")
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
            # Pairs (each 支委 with each member, once a year), due evenly over the quarters: by the
            # end of Q3, three quarters of the year's pairs. Said in whole pairs, never as a bare
            # decimal that reads like a percentage.
            target = Decimal(rule.required) * data.period.index / 4
            score.points = _points(max_points, Decimal(rule.held) / target if target else Decimal(1))
            due = math.ceil(target)
            score.explanation = (f"全年应谈{rule.required}对，截至{data.period.label}已谈{rule.held}对"
                                 + ("" if data.period.index == 4 else
                                    f"，按进度（全年的{data.period.index}/4）应谈{due}对"))
        score.evidence = [Evidence("谈心谈话", link("meetings:talks", unit=unit.pk))]
    elif method == ScoreMethod.DUES_RATE:
        figures = data.figures.get(unit.pk)
        rate = figures.rate_money if figures else None
        if rate is None:
            score.points, score.explanation = max_points, "本季度无应缴党费"
        else:
            score.points = _points(max_points, rate / 100)
            score.explanation = (f"应缴{figures.due}元，实缴{figures.paid}元，收缴率{rate}%；"
                                 f"收缴率（人数）{figures.rate_people if figures.rate_people is not None else '—'}%"
                                 f"（已缴足{figures.settled}/应缴{figures.owed}人次）")
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
        entries = data.development.get(unit.pk, [])
        untimely = [entry for entry in entries if entry.untimely]
        if not entries:  # the rubric says what a branch with nobody in the pipeline earns
            empty = params.get("empty_points")
            score.points = max_points if empty is None else min(max_points, Decimal(str(empty)))
            score.explanation = (f"本季度无发展党员工作对象，按考核细则计{score.points.normalize():f}分" if empty is not None
                                 else "本季度无发展党员工作对象，考核细则未规定分值，按无超期计满分")
        elif not untimely:
            score.points = max_points
            score.explanation = f"发展党员工作对象{len(entries)}人，本季度各环节均按期"
        else:
            score.points = Decimal(0)
            score.explanation = "；".join(_untimely(entry) for entry in untimely[:5]) + (
                f"等{len(untimely)}人" if len(untimely) > 5 else "")
        score.evidence = [Evidence("发展党员台账", link("members:pipeline", unit=unit.pk))]
    elif method == ScoreMethod.MANUAL:
        score.manual = True
        manual = data.manual.get((unit.pk, item.pk))
        if manual is not None:
            score.points, score.explanation = manual.points, manual.comment
        else:
            score.explanation = "待党委评定"
    return score


def _untimely(entry: people.PipelineEntry) -> str:
    """A person's first overdue (未办理) or late (逾期办理) step, as the scorecard names it."""
    if entry.overdue:
        finding = entry.overdue[0]
        return f"{entry.person.name}（第{finding.step}步超期未办：{finding.message}，应于{finding.due_on:%Y-%m-%d}前）"
    finding = entry.late[0]
    return f"{entry.person.name}（第{finding.step}步逾期办理：{finding.message}）"


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
