"""``manage.py seed_demo [--scale small|medium|large] [--seed N] [--password P]`` (see cli.md)."""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from branches import caching
from branches.demo import SCALES, TOP_CODE, make_context, refresh_statistics
from branches.models import OrgUnit
from branches.services import send_term_reminders_on

# Each app adds its part of the demo in this order (a module may be absent while an app is young).
DEMO_MODULES = ["branches.demo", "members.demo", "meetings.demo", "dues.demo", "reports.demo"]


class Command(BaseCommand):
    help = "生成演示数据（同一 --seed 生成相同数据）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--password", default="zhibu2026", help="演示账号的密码（默认 zhibu2026）")

    def handle(self, *args: Any, scale: str, seed: int, password: str, **options: Any) -> None:
        if OrgUnit.objects.filter(code=TOP_CODE).exists():
            raise CommandError(f"演示数据已存在（党组织编码 {TOP_CODE}）。如需重建，请先清空数据库。", returncode=1)
        started = time.monotonic()
        ctx = make_context(scale, seed, password)
        with transaction.atomic():
            for name in DEMO_MODULES:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                module.seed(ctx)
                refresh_statistics()
                self.stdout.write(f"  {name} 完成（{time.monotonic() - started:.1f} 秒）")
            send_term_reminders_on(ctx.today)  # so the demo accounts see their 换届 reminders
            caching.bump(*caching.SUBJECTS)  # written in bulk, not through the services that bump
        self.stdout.write(self.style.SUCCESS(
            f"演示数据已生成：{len(ctx.branches)}个党支部，{sum(ctx.sizes.values())}人。"
            f"账号 admin / dangwei / shuji1 / shuji2，密码 {password}"
        ))
