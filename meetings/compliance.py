"""The compliance engine: for an org unit's subtree and a period, per unit and rule, how many
meetings were required, how many were held, and the status (cli.md, docs/figures.md), judged
window by window on a day ``on`` (a window is one sub-period of the rule: a month of a monthly rule):

* ``met`` (已完成) — every window of the rule in the period is met;
* ``missing`` (未完成) — at least one window closed (its last day is before ``on``) unmet, even if
  the period itself is not over: a month missed in a running quarter cannot be made up;
* ``due`` (进行中) — nothing missed so far, and a window still open is not yet met.

A half-year or a year is judged the same way, window by window, so a missed month or quarter makes
its year 未完成. A rule that is ``missing`` while the period still runs is *late* (the grid's and the
home's ⚠: ``RuleResult.late``).

How a rule meets a period (domain-rules.md, organisational life):

* A rule of period kind K is checked in each K-long sub-period of the report period (the months of a
  quarter for a monthly rule). Each sub-period is met on its own: three 主题党日 in January count
  once for January and nothing for February or March. ``held`` is the number credited this way, so
  ``held >= required`` exactly when the rule is met; ``actual`` is the raw number of meetings.
* A rule whose period is longer than the report period (a yearly rule in a quarter) is left out.
* Rules are dated; rows sharing a ``code`` are versions. A sub-period is governed by the version in
  force on its last day (a quarterly 党课 rule ending 30 June governs Q1–Q2; a half-yearly one from
  1 July governs H2). A local rule (``scope_unit``) applies to that unit's subtree and, under the
  same code, takes precedence over a wider one.
* A unit must exist for the whole sub-period: one founded after a sub-period began (or archived
  before it ended) owes nothing for it.
* 支委会 rules apply to a branch only while it has a 支委会 (``branches.selectors.has_committee``
  on the officers in office on the sub-period's last day, or today for the current one); 党小组会
  rules to each 党小组; 谈心谈话 counts pairs (each 支委 with each other party member, once a year).
* Only confirmed meetings count (drafts and voided records do not).

Everything is read in a fixed number of queries, whatever the number of units.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from branches.facts import units_during
from branches.models import COMMITTEE_ROLES, Officer, OrgUnit, UnitKind, in_subtree, path_within, today
from branches.periods import Period
from branches.selectors import has_committee
from members.facts import party_memberships_on

from .models import ComplianceRule, Meeting, MeetingStatus, RuleCounts, RuleScope, Talk, kinds_counted

_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
STATUS_LABELS = {"met": "已完成", "missing": "未完成", "due": "进行中"}


@dataclass
class Part:
    """One sub-period of a rule (a month of a monthly rule …)."""

    period: Period
    required: int
    actual: int
    meeting_ids: list[int]
    rule: ComplianceRule

    @property
    def credited(self) -> int:
        return min(self.actual, self.required)

    @property
    def met(self) -> bool:
        return self.actual >= self.required

    def status(self, on: dt.date) -> str:
        """met; missing once the window closed unmet (its last day is before ``on``); else due."""
        if self.met:
            return "met"
        return "missing" if self.period.end < on else "due"


def rule_status(parts: list[Part], on: dt.date) -> str:
    """A rule's status in a period, window by window: ``missing`` when any window closed unmet,
    ``due`` when none did but one is still open and unmet, ``met`` when every window is met."""
    statuses = {part.status(on) for part in parts}
    return "missing" if "missing" in statuses else "due" if "due" in statuses else "met"


@dataclass
class RuleResult:
    code: str
    name: str
    period_kind: str
    parts: list[Part]
    status: str
    order: int

    @property
    def required(self) -> int:
        return sum(part.required for part in self.parts)

    @property
    def held(self) -> int:
        return sum(part.credited for part in self.parts)

    @property
    def actual(self) -> int:
        return sum(part.actual for part in self.parts)

    @property
    def meeting_ids(self) -> list[int]:
        return [pk for part in self.parts for pk in part.meeting_ids]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def open_parts(self, on: dt.date) -> list[Part]:
        return [part for part in self.parts if part.status(on) == "due"]

    def due_by(self, on: dt.date) -> dt.date | None:
        """The last day of the earliest still-open sub-period that is not yet met."""
        open_parts = self.open_parts(on)
        return open_parts[0].period.end if open_parts else None

    def missed_parts(self, on: dt.date) -> list[Part]:
        return [part for part in self.parts if part.status(on) == "missing"]

    def late(self, period: Period, on: dt.date) -> bool:
        """未完成 already although ``period`` is still running on ``on``: a window was missed (⚠)."""
        return self.status == "missing" and not period.end < on


@dataclass
class UnitResult:
    unit: OrgUnit
    rules: list[RuleResult] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = {rule.status for rule in self.rules}
        if "missing" in statuses:
            return "missing"
        if "due" in statuses:
            return "due"
        return "met"

    def rule(self, code: str) -> RuleResult | None:
        return next((rule for rule in self.rules if rule.code == code), None)


@dataclass
class Report:
    root: OrgUnit
    period: Period
    on: dt.date
    units: list[UnitResult]
    columns: list[tuple[str, str]]  # (code, name) of every rule present, in display order

    def unit(self, unit_id: int) -> UnitResult | None:
        return next((result for result in self.units if result.unit.pk == unit_id), None)

    def as_json(self) -> dict[str, Any]:
        """The shape of ``export compliance`` (cli.md)."""
        return {
            "org": self.root.code,
            "period": str(self.period),
            "units": [
                {
                    "code": result.unit.code, "name": result.unit.name, "type": result.unit.get_kind_display(),
                    "rules": [
                        {"kind": rule.name, "required": rule.required, "held": rule.held, "status": rule.status}
                        for rule in result.rules
                    ],
                }
                for result in self.units
            ],
        }


def _exists_for(unit: OrgUnit, sub: Any) -> bool:
    if unit.founded_on and unit.founded_on > sub.start:
        return False
    return not (unit.archived_on and unit.archived_on < sub.end)


def _covers(rule: ComplianceRule, unit: OrgUnit) -> bool:
    return rule.scope_unit_id is None or path_within(unit.path, rule.scope_unit.path)


def _specificity(rule: ComplianceRule) -> int:
    return len(rule.scope_unit.path) if rule.scope_unit_id else 0


def _applies(rule: ComplianceRule, unit: OrgUnit) -> bool:
    if rule.applies_to == RuleScope.GROUP:
        return unit.kind == UnitKind.GROUP
    return unit.kind == UnitKind.BRANCH


def _meeting_counts_for(row: dict[str, Any], rule: ComplianceRule) -> bool:
    if rule.counts not in kinds_counted(row["kind"], row["also_lecture"], row["also_general"]):
        return False
    if rule.secretary_lecture and row["lecturer_role"] != "secretary":
        return False
    return rule.matches_day(row["date"])


class _Data:
    """Everything the engine reads, loaded once for the whole subtree and every period evaluated
    (a sub-period reads only its own months and days of it)."""

    def __init__(self, root: OrgUnit, start: dt.date, end: dt.date, *, meetings: bool, talks: bool):
        # unit id → (year, month) → meeting rows: a sub-period reads only its own months.
        self.meetings: dict[int, dict[tuple[int, int], list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        if meetings:  # not for the talks alone (a scorecard's year): a year of meetings is most of the cost
            rows = Meeting.objects.filter(in_subtree(root, "unit"),
                status=MeetingStatus.CONFIRMED,
                date__gte=start, date__lte=end,
            ).values("id", "unit_id", "kind", "also_lecture", "also_general", "date", "lecturer_role")
            for row in rows.order_by("date", "id"):
                self.meetings[row["unit_id"]][(row["date"].year, row["date"].month)].append(row)
        self.officers: dict[int, list[Officer]] = defaultdict(list)
        officer_rows = Officer.objects.filter(in_subtree(root, "unit"),
            unit__kind=UnitKind.BRANCH, role__in=COMMITTEE_ROLES,
            started_on__lte=end,
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start)).only(
            "unit_id", "person_id", "role", "started_on", "ended_on"
        )
        for officer in officer_rows:
            self.officers[officer.unit_id].append(officer)
        self.talk_rows: dict[int, list[tuple[frozenset[int], dt.date]]] = defaultdict(list)
        self.governing: dict[tuple[Any, dt.date], ComplianceRule | None] = {}
        self.root = root
        self._members: dict[dt.date, dict[int, set[int]]] = {}
        if talks:
            talk_rows = Talk.objects.filter(in_subtree(root, "unit"),
                voided_at__isnull=True, date__gte=start, date__lte=end,
            ).values_list("unit_id", "officer_id", "member_id", "date")
            for unit_id, officer_id, member_id, date in talk_rows:
                self.talk_rows[unit_id].append((frozenset((officer_id, member_id)), date))

    def members_on(self, day: dt.date) -> dict[int, set[int]]:
        """unit id → the party members it held on ``day`` (read once per day)."""
        if day not in self._members:
            members: dict[int, set[int]] = defaultdict(set)
            for unit_id, person_id in party_memberships_on(self.root, day).values_list("unit_id", "person_id"):
                members[unit_id].add(person_id)
            self._members[day] = members
        return self._members[day]

    def officers_on(self, unit_id: int, day: dt.date) -> list[Officer]:
        return [officer for officer in self.officers.get(unit_id, []) if officer.in_office_on(day)]

    def has_committee_on(self, unit_id: int, day: dt.date) -> bool:
        return has_committee(self.officers.get(unit_id, []), on=day)

    def talk_pairs(self, unit_id: int, day: dt.date, members_day: dt.date) -> set[frozenset[int]]:
        """Pairs owed a 谈心谈话: each 支委 in office on ``day`` with each other party member (the
        members of ``members_day``: the period's last day, or today while it runs)."""
        officers = {o.person_id for o in self.officers_on(unit_id, day)}
        members = self.members_on(members_day).get(unit_id, set()) | officers
        return {frozenset((officer, member)) for officer in officers for member in members if officer != member}


# What :func:`evaluate` reads (OrgUnit, Officer; Membership, Person; Meeting, Talk, ComplianceRule):
# a summary of its results is cached under these subjects' versions (branches.caching).
SUBJECTS = ("units", "people", "meetings")


def units_in(root: OrgUnit, period: Period) -> list[OrgUnit]:
    """The 党支部 and 党小组 of ``root``'s subtree that existed at some time in ``period``."""
    return _units_between(root, period.start, period.end)


def _units_between(root: OrgUnit, start: dt.date, end: dt.date) -> list[OrgUnit]:
    return list(units_during(root, start, end, (UnitKind.BRANCH, UnitKind.GROUP)))


def _existed(unit: OrgUnit, period: Period) -> bool:
    """:func:`units_in`'s condition, for units already read."""
    return ((unit.archived_on is None or unit.archived_on >= period.start)
            and (unit.founded_on is None or unit.founded_on <= period.end))


def rules_for(period: Period) -> list[ComplianceRule]:
    return _rules_between(period.start, period.end)


def _rules_between(start: dt.date, end: dt.date) -> list[ComplianceRule]:
    return list(ComplianceRule.objects.in_force_during(start, end).select_related("scope_unit")
                .order_by("order", "code", "effective_from"))


def _in_force_during(rule: ComplianceRule, period: Period) -> bool:
    """:func:`rules_for`'s condition, for rules already read."""
    return rule.in_force_between(period.start, period.end)


def evaluate(root: OrgUnit, period: Period, *, on: dt.date | None = None,
             units: list[OrgUnit] | None = None, codes: set[str] | None = None) -> Report:
    """Compliance of ``root``'s subtree (or of the given ``units``) for ``period`` as of ``on``
    (only the rules ``codes`` when given)."""
    return evaluate_periods(root, [period], on=on, units=units, codes=codes)[0]


def evaluate_periods(root: OrgUnit, periods: list[Period], *, on: dt.date | None = None,
                     units: list[OrgUnit] | None = None, codes: set[str] | None = None) -> list[Report]:
    """:func:`evaluate` for each of ``periods`` (a quarter and its year, past quarters), reading
    the units, rules and records once for all of them."""
    day = on or today()
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    span_units = _units_between(root, start, end) if units is None else units
    span_rules = _rules_between(start, end)
    # A rule counted over a longer period than the one evaluated (a yearly rule in a quarter) has
    # no sub-period to check there: leave it out, and so skip loading what only it needs.
    rules_of = [
        [rule for rule in span_rules if _in_force_during(rule, period) and (codes is None or rule.code in codes)
         and _MONTHS.get(rule.period, 99) <= _MONTHS[period.kind]]
        for period in periods
    ]
    counted = {rule.counts == RuleCounts.TALK for rules in rules_of for rule in rules}
    data = _Data(root, start, end, meetings=False in counted, talks=True in counted)
    return [
        _report(root, period, day, span_units if units is not None else [u for u in span_units if _existed(u, period)],
                rules, data)
        for period, rules in zip(periods, rules_of, strict=True)
    ]


def _report(root: OrgUnit, period: Period, day: dt.date, units: list[OrgUnit], rules: list[ComplianceRule],
            data: _Data) -> Report:
    by_code: dict[str, list[ComplianceRule]] = defaultdict(list)
    for rule in rules:
        by_code[rule.code].append(rule)
    results = []
    subs = _subs(period)
    plans: dict[tuple[str, str], tuple[Any, ...]] = {}  # (rule code, unit kind) → what applies
    members_day = min(period.end, today())
    seen: dict[str, tuple[int, str]] = {}
    for unit in units:
        result = UnitResult(unit)
        for code, versions in by_code.items():
            rule_result = _evaluate_rule(unit, code, versions, period, day, data, subs, plans, members_day)
            if rule_result is not None:
                result.rules.append(rule_result)
                seen.setdefault(code, (rule_result.order, rule_result.name))
        result.rules.sort(key=lambda r: (r.order, r.code))
        results.append(result)
    columns = [(code, name) for code, (_, name) in sorted(seen.items(), key=lambda item: (item[1][0], item[0]))]
    return Report(root, period, day, results, columns)


def _governing(covering: tuple[ComplianceRule, ...], day: dt.date) -> ComplianceRule | None:
    candidates = [rule for rule in covering if rule.in_force_on(day)]
    if not candidates:
        return None
    return max(candidates, key=lambda rule: (_specificity(rule), rule.effective_from))


@dataclass(frozen=True)
class _Sub:
    """A sub-period with its bounds and months computed once per evaluation."""

    period: Period
    start: dt.date
    end: dt.date
    months: tuple[tuple[int, int], ...]


def _subs(period: Period) -> dict[str, list[_Sub]]:
    result = {}
    for kind, months in _MONTHS.items():
        if months <= _MONTHS[period.kind]:
            result[kind] = [
                _Sub(sub, sub.start, sub.end, tuple((m.year, m.index) for m in sub.months()))
                for sub in period.subperiods(kind)
            ]
    return result


def _evaluate_rule(unit: OrgUnit, code: str, versions: list[ComplianceRule], period: Period, on: dt.date,
                   data: _Data, subs: dict[str, list[_Sub]], plans: dict[tuple[str, str], tuple[Any, ...]],
                   members_day: dt.date) -> RuleResult | None:
    # Which versions cover the unit depends only on its kind unless a version is scoped to part
    # of the tree: work that out once per (rule, kind), not once per unit.
    plan_key = (code, unit.kind) if not any(rule.scope_unit_id for rule in versions) else None
    plan = plans.get(plan_key) if plan_key else None
    if plan is None:
        covering = tuple(rule for rule in versions if _covers(rule, unit))
        applicable = any(_applies(rule, unit) for rule in covering)
        kinds = sorted({rule.period for rule in covering if rule.period in subs}, key=lambda kind: _MONTHS[kind])
        plan = (covering, applicable, kinds, tuple(rule.pk for rule in covering))
        if plan_key:
            plans[plan_key] = plan
    covering, applicable, kinds, cache_key = plan
    if not applicable:
        return None  # e.g. a 党小组 rule for a branch: no sub-period can count
    parts: list[Part] = []
    for kind in kinds:
        for sub in subs[kind]:
            key = (cache_key, sub.end)
            if key not in data.governing:
                data.governing[key] = _governing(covering, sub.end)
            rule = data.governing[key]
            if rule is None or rule.period != kind or not _applies(rule, unit) or not _exists_for(unit, sub):
                continue
            check_day = min(sub.end, on)
            if rule.applies_to == RuleScope.BRANCH_WITH_COMMITTEE and not data.has_committee_on(unit.pk, check_day):
                continue
            if rule.counts == RuleCounts.TALK:
                owed = data.talk_pairs(unit.pk, check_day, members_day)
                if not owed:
                    continue
                talked = {pair for pair, date in data.talk_rows.get(unit.pk, []) if sub.start <= date <= sub.end} & owed
                parts.append(Part(sub.period, rule.min_count * len(owed), len(talked), [], rule))
                continue
            by_month = data.meetings.get(unit.pk, {})
            ids = [
                row["id"] for month in sub.months for row in by_month.get(month, ())
                if _meeting_counts_for(row, rule)
            ]
            parts.append(Part(sub.period, rule.min_count, len(ids), ids, rule))
    if not parts:
        return None
    parts.sort(key=lambda part: part.period.start)
    latest = parts[-1].rule
    return RuleResult(code, latest.name, latest.period, parts, rule_status(parts, on), latest.order)
