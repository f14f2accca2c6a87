"""``manage.py backup [--out FILE]``: the database and the media files in one archive."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branches.backup import BackupError, backup, default_backup_path


class Command(BaseCommand):
    help = "备份数据库和上传文件（PostgreSQL 用 pg_dump，SQLite 用在线备份），生成一个 .tar.gz 文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", help="备份文件或目录（默认 BACKUP_DIR/zhibu-日期-时间.tar.gz）")

    def handle(self, *args: Any, out: str | None, **options: Any) -> None:
        target = Path(out) if out else default_backup_path()
        if out and target.is_dir():
            target = target / default_backup_path().name
        if out and not target.parent.exists():
            raise CommandError(f"输出目录不存在：{target.parent}", returncode=2)
        started = time.monotonic()
        try:
            manifest = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from None
        size = target.stat().st_size / 1024 / 1024
        self.stdout.write(f"已备份到 {target}（{size:.1f} MB，{time.monotonic() - started:.1f} 秒）：")
        self.stdout.write(f"  数据库 {len(manifest.counts)} 张表，{manifest.rows} 行；上传文件 {manifest.media_files} 个")
