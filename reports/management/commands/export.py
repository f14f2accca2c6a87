"""``manage.py export EXPORTER --org CODE --period PERIOD --out FILE [--format xlsx|docx|json]``."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branches.atomic_files import write_atomically
from branches.exporting import ExportRefused, exporter_for, exporters
from branches.models import OrgUnit
from branches.periods import Period, PeriodError
from reports.exporters import run_export


def _os_user() -> str:
    """The operating-system account running the command, for the export log."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and none in the password database
        return "cli"


class Command(BaseCommand):
    help = "导出台账或报告（范围为该组织及其全部下级）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("exporter", help="导出类型：" + "、".join(e.identifier for e in exporters()))
        parser.add_argument("--org", required=True, help="党组织编码")
        parser.add_argument("--period", required=True, help="期间：2026、2026H1、2026Q3 或 2026-07")
        parser.add_argument("--out", required=True, help="输出文件")
        parser.add_argument("--format", choices=["xlsx", "docx", "json"], help="格式（默认按 --out 的扩展名）")

    def handle(self, *args: Any, exporter: str, org: str, period: str, out: str, format: str | None,
               **options: Any) -> None:
        try:
            chosen = exporter_for(exporter)
        except KeyError:
            names = "、".join(e.identifier for e in exporters())
            raise CommandError(f"未知的导出类型“{exporter}”，可选：{names}", returncode=2) from None
        try:
            parsed = Period.parse(period)
        except PeriodError as exc:
            raise CommandError(str(exc), returncode=2) from None
        unit = OrgUnit.objects.filter(code=org).first()
        if unit is None:
            raise CommandError(f"党组织编码“{org}”不存在", returncode=2)
        target = Path(out)
        fmt = format or target.suffix.lstrip(".").lower()
        if fmt not in chosen.formats:
            raise CommandError(f"{chosen.label}只能导出为：{'、'.join(chosen.formats)}（收到“{fmt or '无扩展名'}”）",
                               returncode=2)
        if not target.parent.exists():
            raise CommandError(f"输出目录不存在：{target.parent}", returncode=2)
        try:
            output = run_export(identifier=exporter, unit=unit, period=parsed, fmt=fmt, user=None, via="cli",
                                actor=_os_user())
        except ExportRefused as exc:
            raise CommandError(str(exc), returncode=1) from None
        write_atomically(target, output.content)
        self.stdout.write(f"已导出 {chosen.label}（{unit.name}，{parsed.label}）到 {target}")
