"""Demo data, part 1: the organisation tree, officers' terms and the demo accounts.

``seed_demo`` runs the ``seed`` function of each app's ``demo`` module in order, passing one
:class:`DemoContext`; everything is drawn from ``ctx.rng`` so a seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from faker import Faker

from .models import OrgUnit, RoleKind, UnitKind, today
from .periods import add_months
from .services import org_unit_create, role_grant, term_record

SCALES: dict[str, dict[str, int]] = {
    # branches, members, months of history, branches per 党总支 (0 = none)
    "small": {"branches": 6, "members": 150, "months": 12, "per_general": 0},
    "medium": {"branches": 60, "members": 2000, "months": 24, "per_general": 10},
    "large": {"branches": 500, "members": 15000, "months": 24, "per_general": 10},
}
TOP_CODE = "DW"
BRANCH_NAMES = ["办公室", "综合处", "政策法规处", "财务处", "人事处", "规划处", "信息中心", "离退休干部",
                "监督检查处", "机关服务中心", "研究室", "宣传处"]


@dataclass
class DemoContext:
    scale: str
    seed: int
    password: str
    rng: random.Random
    faker: Faker
    today: dt.date
    top: OrgUnit | None = None
    branches: list[OrgUnit] = field(default_factory=list)
    groups: dict[int, list[OrgUnit]] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    people: dict[int, list[Any]] = field(default_factory=dict)  # branch id → people
    joined: dict[int, dt.date] = field(default_factory=dict)  # person id → first day in the branch
    behind: set[int] = field(default_factory=set)  # branches deliberately behind
    sizes: dict[int, int] = field(default_factory=dict)  # branch id → number of people

    @property
    def config(self) -> dict[str, int]:
        return SCALES[self.scale]

    @property
    def start(self) -> dt.date:
        """First day of the demo history."""
        first = add_months(self.today.replace(day=1), -self.config["months"] + 1)
        return first


def refresh_statistics(*, vacuum: bool = False) -> None:
    """On PostgreSQL, fresh planner statistics for what was just bulk-inserted: without them the
    planner sizes the new tables wrongly and the next queries over them crawl. ``vacuum`` also
    clears dead rows (autovacuum's work, where a server runs without it)."""
    if connection.vendor == "postgresql":
        # VACUUM cannot run inside a transaction (a test's, say); ANALYZE can
        vacuum = vacuum and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def make_context(scale: str, seed: int, password: str) -> DemoContext:
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    return DemoContext(scale, seed, password, random.Random(seed), faker, today())


def seed(ctx: DemoContext) -> None:
    config = ctx.config
    name = "市直机关工作委员会" if ctx.scale != "small" else "市发展和改革委员会机关党委"
    top = org_unit_create(actor=None, code=TOP_CODE, name=name, kind=UnitKind.COMMITTEE, founded_on=dt.date(1998, 7, 1))
    ctx.top = top
    term_record(actor=None, unit=top, started_on=add_months(ctx.today, -30))
    parents = [top]
    if config["per_general"]:
        count = max(1, config["branches"] // config["per_general"])
        parents = [
            org_unit_create(actor=None, code=f"{TOP_CODE}-Z{i + 1:02d}", name=f"第{i + 1}党总支",
                            kind=UnitKind.GENERAL_BRANCH, parent=top, founded_on=dt.date(2005, 1, 1))
            for i in range(count)
        ]
        for general in parents:
            term_record(actor=None, unit=general, started_on=add_months(ctx.today, -ctx.rng.randint(6, 40)))
    for index in range(config["branches"]):
        parent = parents[index % len(parents)]
        name = BRANCH_NAMES[index % len(BRANCH_NAMES)]
        suffix = f"第{index // len(BRANCH_NAMES) + 1}" if index >= len(BRANCH_NAMES) else ""
        branch = org_unit_create(
            actor=None, code=f"{TOP_CODE}-{index + 1:03d}", name=f"{name}{suffix}党支部", kind=UnitKind.BRANCH,
            parent=parent, founded_on=dt.date(2000 + index % 20, 1 + index % 12, 1),
        )
        ctx.branches.append(branch)
        # Every 5th branch is deliberately behind (overdue term, missed meetings, arrears …).
        if index % 5 == 4:
            ctx.behind.add(branch.pk)
            months_ago = 40
        else:
            months_ago = ctx.rng.choice([6, 14, 20, 28, 33])
        term_record(actor=None, unit=branch, started_on=add_months(ctx.today, -months_ago))
    _sizes(ctx)
    for branch in ctx.branches:
        size = ctx.sizes[branch.pk]
        add_groups(ctx, branch, 0 if size < 12 else 2 if size < 36 else 3)
    _accounts(ctx)


def _sizes(ctx: DemoContext) -> None:
    """Spread the members over the branches: mostly 15–45, a few tiny or oversized ones."""
    weights = [ctx.rng.uniform(0.5, 1.5) for _ in ctx.branches]
    weights[0] = max(weights[0], 1.1)  # the demo secretaries' branches are never tiny
    if len(weights) > 1:
        weights[1] = max(weights[1], 0.9)
    total = sum(weights)
    for branch, weight in zip(ctx.branches, weights, strict=True):
        ctx.sizes[branch.pk] = max(4, round(ctx.config["members"] * weight / total))


def add_groups(ctx: DemoContext, branch: OrgUnit, count: int) -> list[OrgUnit]:
    groups = [
        org_unit_create(actor=None, code=f"{branch.code}-{i + 1}", name=f"第{'一二三四'[i]}党小组",
                        kind=UnitKind.GROUP, parent=branch, founded_on=branch.founded_on)
        for i in range(count)
    ]
    ctx.groups[branch.pk] = groups
    return groups


def _accounts(ctx: DemoContext) -> None:
    user_model = get_user_model()
    admin = user_model.objects.create_superuser("admin", "admin@example.com", ctx.password, first_name="系统管理员")
    staff = user_model.objects.create_user("dangwei", password=ctx.password, first_name="机关党委工作人员")
    role_grant(actor=admin, user=staff, unit=ctx.top, kind=RoleKind.STAFF)
    ctx.users.update(admin=admin, dangwei=staff)
    for number, branch in enumerate(ctx.branches[:2], start=1):
        user = user_model.objects.create_user(f"shuji{number}", password=ctx.password, first_name=f"{branch.name}书记")
        role_grant(actor=admin, user=user, unit=branch, kind=RoleKind.SECRETARY)
        ctx.users[f"shuji{number}"] = user
