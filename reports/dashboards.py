"""What each home page shows: a secretary's to-do list for the month and quarter, and a
committee's overview (compliance heat map, 收缴率, scorecard bands, pipeline, overdue terms).
Everything is read in a fixed number of queries, whatever the number of branches."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from branches import access, caching
from branches.facts import Window
from branches.models import OrgUnit, in_subtree
from branches.periods import Period
from dues import facts as ledger
from dues.models import PointsSheet
from meetings import compliance
from meetings import facts as life
from members import facts as people
from members.development import COMMITTEE_STEPS
from members.models import PIPELINE_STATUSES, Status
from members.org_tree import TreeNode, kept_unit_tree
from members.selectors import PIPELINE_SUBJECTS, PipelineRow, pipeline_rows

from .links import link
from .models import Scorecard


@dataclass
class Todo:
    area: str
    text: str
    url: str
    level: str = "info"  # danger / warning / info
    due: dt.date | None = None


def record_todos(branch: OrgUnit, on: dt.date, pipeline: list[tuple[Any, Any]]) -> list[Todo]:
    """The to-dos that follow from the records of :data:`TODO_SUBJECTS`: meetings due or missed
    this quarter, 发展 steps overdue or due within a month (``pipeline``: the branch's
    ``(person, progress)``)."""
    todos: list[Todo] = []
    quarter = Period.containing(on, "quarter")
    for result in life.compliance(branch, quarter, on=on).units:
        for rule in result.rules:
            for part in rule.missed_parts(on):
                todos.append(Todo("三会一课", f"{result.unit.name}{part.period.label}未召开{rule.name}（已过期）",
                                  link("meetings:compliance", unit=branch.pk), "danger", part.period.end))
            for part in rule.open_parts(on):
                missing = part.required - part.actual
                todos.append(Todo("三会一课", f"{result.unit.name}{part.period.label}还需召开{rule.name}{missing}次",
                                  link("meetings:create", unit=result.unit.pk), "warning", part.period.end))
    for person, progress in pipeline:  # the branch's own steps: the 党委's are on the committee's home
        overdue = [finding for finding in progress.overdue if finding.step not in COMMITTEE_STEPS]
        for finding in overdue[:1]:
            todos.append(Todo("发展党员", f"{person.name}：{finding.message}", link("members:detail", person.pk), "danger",
                              finding.due_on))
        if (not progress.overdue and progress.next_due and progress.next_due <= on + dt.timedelta(days=31)
                and progress.next_step not in COMMITTEE_STEPS):
            todos.append(Todo("发展党员", f"{person.name}：第{progress.next_step}步{progress.next_label}",
                              link("members:detail", person.pk), "info", progress.next_due))
    return todos


def ledger_todos(branch: OrgUnit, on: dt.date) -> list[Todo]:
    """The month's dues not yet generated or not all paid, and last month's points not yet
    published: the records of :data:`LEDGER_SUBJECTS`."""
    todos: list[Todo] = []
    month = on.replace(day=1)
    figures = ledger.figures_for(branch, Period.month_of(on), on=on)  # the month sheet's 应缴 and 未缴 (docs/figures.md)
    if not figures.generated:
        todos.append(Todo("党费", f"{month.month}月应缴党费尚未生成", link("dues:sheet", branch.pk, f"{month:%Y-%m}"), "warning"))
    elif figures.unpaid:
        partial = f"（其中{figures.partial}人未缴足）" if figures.partial else ""
        todos.append(Todo("党费", f"{month.month}月还有{figures.unpaid}人未缴党费{partial}",
                          link("dues:sheet", branch.pk, f"{month:%Y-%m}"), "info", Period.month_of(on).end))
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    sheet = ledger.points_states_by_unit(branch, Window(previous, previous)).get(branch.pk, {}).get(previous)
    if sheet not in ledger.PUBLISHED_STATES:
        state = "尚未开始评定" if sheet is None else f"处于“{PointsSheet.State(sheet).label}”阶段"
        todos.append(Todo("积分", f"{previous.month}月积分{state}，请评定并公示",
                          link("dues:points", branch.pk, f"{previous:%Y-%m}"), "warning"))
    return todos


def term_todos(node: TreeNode) -> list[Todo]:
    """The 换届 due or overdue, from the node (itself cached with the tree)."""
    if node.term.code not in ("due", "overdue"):
        return []
    level = "danger" if node.term.code == "overdue" else "warning"
    ends = node.term.term.ends_on if node.term.term else None
    return [Todo("换届", node.term.label, link("org:unit", node.unit.pk), level, ends)]


def _in_order(todos: list[Todo]) -> list[Todo]:
    order = {"danger": 0, "warning": 1, "info": 2}
    far = dt.date.max
    return sorted(todos, key=lambda todo: (order[todo.level], todo.due or far))


# What :func:`ledger_todos` and :func:`record_todos` read: each kind of to-do is cached under its
# subjects' versions (branches.caching).
LEDGER_SUBJECTS = ("dues", "points")
TODO_SUBJECTS = tuple(dict.fromkeys((*compliance.SUBJECTS, *PIPELINE_SUBJECTS)))


def home_tree(user: Any) -> list[TreeNode]:
    """The user's units without 党小组 (a committee's: hundreds), with their counts, terms and
    warnings, cached until those records change."""
    return kept_unit_tree(user=user, include_groups=False)


def secretary_home(user: Any, branches: list[TreeNode], on: dt.date,
                   limit: int) -> tuple[list[PipelineRow], list[tuple[TreeNode, list[Todo]]]]:
    """A secretary's overdue 发展 people (the first ``limit``) and each branch's to-dos, cached
    until the records they follow from change. The dues and points are kept apart: a payment
    anywhere does not make every home evaluate its meetings and pipeline again."""

    def read() -> tuple[list[PipelineRow], dict[int, list[Todo]]]:
        pipeline = pipeline_rows(user=user)
        overdue = [row for row in pipeline if row.progress.overdue][:limit]
        return overdue, {node.unit.pk: record_todos(node.unit, on, [
            (row.person, row.progress) for row in pipeline if row.person.unit_id == node.unit.pk]) for node in branches}

    pks = [node.unit.pk for node in branches]
    overdue, recorded = cache.get_or_set(caching.versioned_key(
        "secretary-home", *access.scope_for(user).key, on, limit, *pks, subjects=TODO_SUBJECTS), read)
    ledger = cache.get_or_set(caching.versioned_key("secretary-ledger", on, *pks, subjects=LEDGER_SUBJECTS),
                              lambda: {node.unit.pk: ledger_todos(node.unit, on) for node in branches})
    return overdue, [(node, _in_order(recorded[node.unit.pk] + ledger[node.unit.pk] + term_todos(node)))
                     for node in branches]


STATUS_VALUE = {"missing": 0, "due": 1, "met": 2}


def compliance_heatmap(root: OrgUnit, on: dt.date) -> dict[str, Any]:
    """Branches × rules for the current quarter: 2 met, 1 due (进行中), 0 missing (未完成, also
    when a month closed unmet in the running quarter; such a cell reads "⚠ 2/6"). Each point is
    ``[x, y, value, text, title]``: the committee grid's cell (the same function, the same cache)."""
    quarter = Period.containing(on, "quarter")
    grid = life.branch_compliance(root, quarter, on)
    data = [[x, y, STATUS_VALUE[cell["status"]], cell["text"], cell["title"]]
            for y, row in enumerate(grid.rows) for x, cell in enumerate(row["cells"]) if cell]
    return {
        "type": "heatmap", "title": f"{quarter.label}组织生活完成情况",
        "labels": [name for _, name in grid.columns], "rows": [row["unit"]["name"] for row in grid.rows],
        "data": data,
        "legend": [compliance.STATUS_LABELS[status] for status in STATUS_VALUE],
        "counts": Counter(point[2] for point in data),
        "late": sum(1 for row in grid.rows if row["late"]),
    }


# What :func:`_committee_figures` reads: units, amounts due and payments, scorecards, memberships.
COMMITTEE_SUBJECTS = ("units", "dues", "scorecards", "people")


def committee_overview(root: OrgUnit, nodes: list[TreeNode], on: dt.date) -> dict[str, Any]:
    """The committee home's figures. The quarter's dues, the scorecard bands and the pipeline are
    sums over the whole subtree (tens of milliseconds of PostgreSQL at 500 branches), cached until
    a service writes amounts due, payments, scorecards or memberships."""
    key = caching.versioned_key("committee-figures", root.pk, root.path, on, subjects=COMMITTEE_SUBJECTS)
    figures = cache.get_or_set(key, lambda: _committee_figures(root, on))
    return {
        "heatmap": compliance_heatmap(root, on),
        **figures,
        "overdue_terms": [node for node in nodes if node.term.code == "overdue"],
    }


def committee_todos(root: OrgUnit, on: dt.date) -> list[Todo]:
    """The 发展 steps that wait on the 党委 itself (:data:`COMMITTEE_STEPS`: 预审, 派人谈话, 审批):
    overdue, or due within a month, for the people of ``root``'s subtree, soonest first."""
    todos = []
    for entry in people.development(root, Window(on, on)):
        progress, person = entry.progress, entry.person
        overdue = [finding for finding in progress.overdue if finding.step in COMMITTEE_STEPS]
        if overdue:
            todos.append(Todo("发展党员", f"{person.name}：{overdue[0].message}", link("members:detail", person.pk),
                              "danger", overdue[0].due_on))
        elif (not progress.overdue and progress.next_step in COMMITTEE_STEPS and progress.next_due
              and progress.next_due <= on + dt.timedelta(days=31)):
            todos.append(Todo("发展党员", f"{person.name}：第{progress.next_step}步{progress.next_label}",
                              link("members:detail", person.pk), "info", progress.next_due))
    return _in_order(todos)


def _committee_figures(root: OrgUnit, on: dt.date) -> dict[str, Any]:
    quarter = Period.containing(on, "quarter")
    dues = ledger.figures_for(root, quarter, on=on)  # the months of the quarter begun by today
    cards = Scorecard.objects.filter(in_subtree(root, "unit"))
    latest = cards.order_by("-period").values_list("period", flat=True).first()
    bands = Counter(cards.filter(period=latest).values_list("band", flat=True)) if latest else Counter()
    pipeline = people.pipeline_counts(root, on)
    labels = dict(Status.choices)
    return {
        "dues": {"due": dues.due, "paid": dues.paid, "rate": dues.rate_money, "period": quarter,
                 "rate_people": dues.rate_people, "settled": dues.settled, "owed": dues.owed, "as_of": dues.as_of_label},
        "scorecard_period": Period.parse(latest) if latest else None,
        "bands_chart": {"type": "bar", "title": f"{Period.parse(latest).label if latest else ''}考核等次分布",
                        "empty": "尚未发布季度考评结果",
                        "labels": ["优秀", "良好", "一般", "较差"],
                        "series": [{"name": "支部数",
                                    "data": [bands.get(b, 0) if latest else None for b in ("优秀", "良好", "一般", "较差")]}]},
        "approvals": committee_todos(root, on),
        "pipeline_chart": {"type": "bar", "title": "发展党员各阶段人数",
                           "labels": [labels[s] for s in PIPELINE_STATUSES],
                           "series": [{"name": "人数", "data": [pipeline[s] for s in PIPELINE_STATUSES]}]},
    }
