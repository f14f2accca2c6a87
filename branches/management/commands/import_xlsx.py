"""``manage.py import_xlsx {orgs|members|meetings|payments} FILE.xlsx [--dry-run]`` (see cli.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branches.importing import ImportRefused, importer_for, importer_kinds


class Command(BaseCommand):
    help = "从 Excel 工作簿导入台账（全部通过才写入；--dry-run 只校验）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=importer_kinds(), help="导入类型")
        parser.add_argument("file", help="Excel 工作簿（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告将新增或更新的记录，不写入")

    def handle(self, *args: Any, kind: str, file: str, dry_run: bool, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}", returncode=2)
        importer = importer_for(kind)
        try:
            with path.open("rb") as handle:
                result = importer.run(handle, actor=None, user=None, dry_run=dry_run)
        except ImportRefused as refused:
            self.stderr.write(f"导入被拒绝，未写入任何数据。共{len(refused.problems)}个问题：")
            for line in refused.problems:
                self.stderr.write(line)
            raise SystemExit(1) from None
        prefix = "校验通过（试运行，未写入）：" if dry_run else "导入完成："
        self.stdout.write(f"{prefix}{importer.label}，{result.summary}")
