"""``manage.py restore FILE [--noinput] [--no-safety-backup]``: put a backup back in place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from branches.backup import BackupError, backup, check_restorable, default_backup_path, read_manifest, restore


class Command(BaseCommand):
    help = "用备份文件替换当前数据库和上传文件（先自动备份当前数据）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="manage.py backup 生成的 .tar.gz 文件")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="不询问确认")
        parser.add_argument("--no-safety-backup", action="store_false", dest="safety_backup",
                            help="恢复前不备份当前数据")

    def handle(self, *args: Any, file: str, interactive: bool, safety_backup: bool, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}", returncode=2)
        try:
            manifest = read_manifest(path)
            check_restorable(manifest)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(f"备份时间 {manifest.created_at}：{len(manifest.counts)} 张表，{manifest.rows} 行，"
                          f"上传文件 {manifest.media_files} 个")
        if interactive:
            try:
                answer = input("将用该备份替换当前数据库和上传文件。输入 yes 继续：")
            except (EOFError, OSError):  # no terminal to answer: that is a no
                answer = ""
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，未做任何修改。", returncode=1)
        try:
            if safety_backup:
                safety = Path(settings.BACKUP_DIR) / default_backup_path().name.replace("zhibu-", "before-restore-")
                backup(safety)
                self.stdout.write(f"当前数据已先备份到 {safety}")
            result = restore(path)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from None
        if result.mismatches:
            self.stderr.write("恢复后的记录数与备份不一致：")
            for line in result.mismatches:
                self.stderr.write(f"  {line}")
            raise SystemExit(1)
        if result.migrated:
            self.stdout.write("已恢复；备份来自较早的版本，已升级数据库结构。")
        else:
            self.stdout.write(f"已恢复并核对：{len(manifest.counts)} 张表共 {manifest.rows} 行、"
                              f"上传文件 {manifest.media_files} 个，与备份一致。")
