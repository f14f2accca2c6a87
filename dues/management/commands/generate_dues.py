"""``manage.py generate_dues --period 2026-03 [--org CODE]`` (see cli.md).

Creates the month's amounts due for every member who owes dues in it. Idempotent: a second run
changes nothing unless a base, a rate table or a membership changed, and then lists each change.
A quarter or year runs each of its months (useful when back-filling a ledger).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branches.models import OrgUnit, today
from branches.periods import Period, PeriodError
from dues.services import dues_generate


class Command(BaseCommand):
    help = "生成某月（或某期间各月）的应缴党费；重复运行不重复生成，基数或标准变化时报告变更"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="月份 2026-03（也可为季度、半年、年度，按月逐一生成）")
        parser.add_argument("--org", help="只生成该党组织及其下级（编码）；默认全部")

    def handle(self, *args: Any, period: str, org: str | None = None, **options: Any) -> None:
        try:
            parsed = Period.parse(period)
        except PeriodError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        unit = None
        if org:
            unit = OrgUnit.objects.filter(code=org.strip()).first()
            if unit is None:
                raise CommandError(f"党组织编码“{org}”不存在", returncode=2)
        current = Period.month_of(today())
        months = [month for month in parsed.months() if month <= current]
        if not months:
            self.stderr.write(f"{parsed.label}尚未开始，不能生成应缴党费。")
            raise SystemExit(1)
        for month in months:
            report = dues_generate(actor=None, month=month.start, unit=unit)
            self.stdout.write(report.summary)
            for line in report.changes:
                self.stdout.write(f"  变更 {line}")
            for line in report.missing_base:
                self.stdout.write(f"  缺少党费基数 {line}")
            for line in report.errors:
                self.stdout.write(f"  无法计算 {line}")
            for line in report.stale:
                self.stdout.write(f"  已不应缴（未删除，请核实） {line}")
