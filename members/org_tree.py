"""The organisation tree as its pages show it: each unit with its members counted by status, its
term and the 支部条例 warnings. Here, not in ``branches``, because it counts people."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from branches import access, caching
from branches.facts import officers_in_office, term_statuses
from branches.models import Officer, OrgUnit, UnitKind, in_subtree, today
from branches.selectors import (
    COMMITTEE_THRESHOLD,
    MAX_BRANCH_MEMBERS,
    MIN_FULL_MEMBERS,
    TermStatus,
    has_committee,
    unit_list,
)

from .facts import UnitCounts, member_counts


def unit_warnings(unit: OrgUnit, counts: UnitCounts, officers: list[Officer], on: dt.date | None = None) -> list[str]:
    """The organisation rules of 支部条例 that ``unit`` breaks (for a 党支部) with ``officers`` in
    office (still, or on ``on``)."""
    if unit.kind != UnitKind.BRANCH:
        return []
    warnings = []
    if counts.full >= COMMITTEE_THRESHOLD and not has_committee(officers, on):
        warnings.append(f"正式党员{counts.full}人（≥{COMMITTEE_THRESHOLD}人），应设立支部委员会")
    if counts.party_members > MAX_BRANCH_MEMBERS:
        warnings.append(f"党员{counts.party_members}人，超过{MAX_BRANCH_MEMBERS}人，宜分设党支部")
    if counts.full < MIN_FULL_MEMBERS:
        warnings.append(f"正式党员仅{counts.full}人（不足{MIN_FULL_MEMBERS}人），应成立联合党支部")
    if not any(o.role == "secretary" and (o.ended_on is None if on is None else o.in_office_on(on)) for o in officers):
        warnings.append("未配备支部书记")
    return warnings


@dataclass
class TreeNode:
    unit: OrgUnit
    counts: UnitCounts
    term: TermStatus
    warnings: list[str]
    children: list[TreeNode]
    folded: int = 0  # children left out of ``children`` (a large tree is read a few levels at a time)


def _trimmed(units: list[OrgUnit], levels: int | None, matching: str,
             whole_up_to: int) -> tuple[list[OrgUnit], dict[int, int]]:
    """The units to show of ``units`` (ordered by path) and, for each, how many children are left
    out: ``levels`` below each top unit (unless there are no more than ``whole_up_to``), or the
    units whose name or code contains ``matching`` with their ancestors."""
    by_id = {unit.pk: unit for unit in units}
    if matching:
        text = matching.casefold()
        wanted: set[int] = set()
        for unit in units:
            if text in unit.name.casefold() or text in unit.code.casefold():
                wanted.update(pk for pk in map(int, unit.path.strip("/").split("/")) if pk in by_id)
    elif levels is not None and len(units) > whole_up_to:
        level: dict[int, int] = {}
        for unit in units:  # by path: parents first
            level[unit.pk] = level[unit.parent_id] + 1 if unit.parent_id in level else 0
        wanted = {pk for pk, n in level.items() if n < levels}
    else:
        return units, {}
    folded: dict[int, int] = defaultdict(int)
    for unit in units:
        if unit.pk not in wanted and unit.parent_id in wanted:
            folded[unit.parent_id] += 1
    return [unit for unit in units if unit.pk in wanted], folded


def unit_tree(*, user: Any, root: OrgUnit | None = None, include_groups: bool = True, levels: int | None = None,
              whole_up_to: int = 0, matching: str = "") -> list[TreeNode]:
    """The visible tree (or ``root``'s subtree) with counts, term status and warnings: 4 queries.
    ``levels`` reads only that many levels of a tree larger than ``whole_up_to`` units;
    ``matching`` only the units whose name or code contains it, with their ancestors. A node's
    ``folded`` counts the children left out."""
    units = unit_list(user=user)
    if root is not None:
        units = units.filter(in_subtree(root))
    if not include_groups:
        units = units.exclude(kind=UnitKind.GROUP)
    units, folded = _trimmed(list(units), levels, matching, whole_up_to)
    branches = [unit for unit in units if unit.kind == UnitKind.BRANCH]  # the only ones with officer warnings
    day = today()
    officers = officers_in_office(branches, day)
    counts = member_counts(units, on=day)
    terms = term_statuses(units, day)
    nodes = {
        unit.pk: TreeNode(
            unit, counts[unit.pk], terms[unit.pk],
            unit_warnings(unit, counts[unit.pk], officers.get(unit.pk, []), day), [], folded.get(unit.pk, 0),
        )
        for unit in units
    }
    roots: list[TreeNode] = []
    for unit in sorted(units, key=lambda u: u.code):  # siblings by 编码 (paths order them by id)
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(nodes[unit.pk])
    return roots


# What a unit tree reads: units, officers and terms, and the members it counts.
TREE_SUBJECTS = ("units", "people")


def kept_unit_tree(*, user: Any, root: OrgUnit | None = None, include_groups: bool = True) -> list[TreeNode]:
    """:func:`unit_tree`, cached until a service writes units or people (a committee's home reads
    hundreds of units; a branch's page, four queries for a few)."""
    key = caching.versioned_key("unit-tree", *access.scope_for(user).key, root.pk if root else "",
                                root.path if root else "", include_groups, today(), subjects=TREE_SUBJECTS)
    return cache.get_or_set(key, lambda: unit_tree(user=user, root=root, include_groups=include_groups))
