"""Back up and restore the whole portal: the database and the uploaded/generated files.

An archive (``.tar.gz``) holds ``manifest.json`` (format, database vendor, applied migrations,
rows per table, media files), the database (``database.pgdump`` — ``pg_dump`` custom format — on
PostgreSQL; ``database.sqlite3`` — a copy through SQLite's online backup API — on SQLite) and
``media/`` (attachments, generated exports). The counts in the manifest come from the same
snapshot as the dump, so a restore can prove it brought back every row.

Restore replaces the database in one transaction (PostgreSQL: every table is dropped and the dump
recreated inside one ``psql --single-transaction``; SQLite: the backup API swaps the pages), then
the media folder, then runs ``migrate`` so an older backup is brought to the current schema.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from . import caching

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why (in Chinese)."""


@dataclass
class Manifest:
    vendor: str
    created_at: str
    counts: dict[str, int]
    migrations: list[list[str]]
    media_files: int = 0
    media_bytes: int = 0
    format: int = FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data)
        if raw.get("format") != FORMAT:
            raise BackupError(f"不支持的备份格式：{raw.get('format')}")
        return cls(**raw)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


# ---------------------------------------------------------------------------------------------
# Helpers


def _vendor() -> str:
    if connection.vendor not in DB_MEMBER:
        raise BackupError(f"不支持的数据库：{connection.vendor}（支持 PostgreSQL 和 SQLite）")
    return connection.vendor


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


def _run(args: list[str], *, env: dict[str, str] | None = None) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(f"找不到 {args[0]}，请安装 PostgreSQL 客户端（与服务器同一主版本）。")
    result = subprocess.run([tool, *args[1:]], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} 失败：{(result.stderr or result.stdout).strip()[-2000:]}")


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _is_partial(path: Path) -> bool:
    """A temporary file of an atomic write in progress (see atomic_files): never part of a backup."""
    return path.name.startswith(".") and path.name.endswith(".part")


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not _is_partial(p))


def _code_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _has_pending_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def live_counts() -> dict[str, int]:
    """Rows per table of the live database (every table, Django's own included)."""
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


# ---------------------------------------------------------------------------------------------
# Backup


def _dump_sqlite(target: Path) -> tuple[dict[str, int], list[list[str]]]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # a consistent copy even while the portal is writing
        tables = [row[0] for row in copy.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {t: copy.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        migrations = ([list(row) for row in copy.execute("SELECT app, name FROM django_migrations ORDER BY id")]
                      if "django_migrations" in tables else [])
    finally:
        copy.close()
    return counts, migrations


def _dump_postgresql(target: Path) -> tuple[dict[str, int], list[list[str]]]:
    if connection.in_atomic_block:
        raise BackupError("备份不能在数据库事务中进行。")
    # One snapshot for the counts and for pg_dump (--snapshot), so the manifest describes the dump.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = live_counts()
        migrations = []
        if "django_migrations" in counts:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
            migrations = [list(row) for row in cursor.fetchall()]
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              f"--file={target}"], env=_pg_env())
    return counts, migrations


def default_backup_path() -> Path:
    return Path(settings.BACKUP_DIR) / f"zhibu-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"


def backup(out: Path) -> Manifest:
    """Write a backup archive to ``out`` (atomically: a half-written archive never has its name)."""
    vendor = _vendor()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".zhibu-backup-") as work:
        dump = Path(work) / DB_MEMBER[vendor]
        counts, migrations = (_dump_postgresql if vendor == "postgresql" else _dump_sqlite)(dump)
        files = _media_files(media_root)
        manifest = Manifest(vendor=vendor, created_at=timezone.now().isoformat(), counts=counts,
                            migrations=migrations, media_files=len(files),
                            media_bytes=sum(f.stat().st_size for f in files))
        partial = out.with_name(f".{out.name}.part")
        try:
            with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
                data = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
                archive.addfile(info, io.BytesIO(data))
                archive.add(dump, arcname=DB_MEMBER[vendor])
                for path in files:
                    archive.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}", recursive=False)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


# ---------------------------------------------------------------------------------------------
# Restore


def read_manifest(archive_path: Path) -> Manifest:
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest.from_json(member.read())
    except (tarfile.TarError, KeyError, json.JSONDecodeError, TypeError, OSError) as exc:
        raise BackupError(f"不是有效的备份文件：{archive_path}（{exc}）") from None


def check_restorable(manifest: Manifest) -> None:
    vendor = _vendor()
    if manifest.vendor != vendor:
        names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
        raise BackupError(f"备份来自{names.get(manifest.vendor, manifest.vendor)}数据库，当前使用{names[vendor]}，"
                          "不能直接恢复。")
    unknown = {tuple(m) for m in manifest.migrations} - _code_migrations()
    if unknown:
        sample = "、".join(f"{app}.{name}" for app, name in sorted(unknown)[:5])
        raise BackupError(f"备份来自较新版本的程序（含本程序没有的数据库迁移：{sample}），请先升级程序再恢复。")
    if connection.in_atomic_block:
        raise BackupError("恢复不能在数据库事务中进行。")


_PG_DROP_ALL = """
SET lock_timeout = '60s';
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.relname);
  END LOOP;
  -- sequences that belonged to no table (identity and serial ones went with their tables)
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'S' LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', r.relname);
  END LOOP;
END $$;
"""


def _restore_postgresql(dump: Path, work: Path) -> None:
    script = work / "restore.sql"
    _run(["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(dump)])
    connections.close_all()  # our own idle session must not hold anything the drops wait for
    # All or nothing: drop every table, then recreate and load them, in one transaction.
    _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c", _PG_DROP_ALL,
          "-f", str(script)], env=_pg_env())


def _restore_sqlite(dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_media(archive: tarfile.TarFile, work: Path) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(dir=media_root.parent, prefix=".zhibu-media-new-"))
    old = Path(tempfile.mkdtemp(dir=media_root.parent, prefix=".zhibu-media-old-"))
    try:
        members = [m for m in archive.getmembers() if m.name.startswith("media/")]
        archive.extractall(staged, members=members, filter="data")
        source = staged / "media"
        for child in list(media_root.iterdir()):
            shutil.move(str(child), old / child.name)
        if source.is_dir():
            for child in list(source.iterdir()):
                shutil.move(str(child), media_root / child.name)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


@dataclass
class RestoreResult:
    manifest: Manifest
    migrated: bool
    mismatches: list[str]


def restore(archive_path: Path) -> RestoreResult:
    """Replace the database and the media files with the archive's, then migrate and verify."""
    manifest = read_manifest(archive_path)
    check_restorable(manifest)
    with tempfile.TemporaryDirectory(prefix="zhibu-restore-") as work_dir, \
            tarfile.open(archive_path, "r:*") as archive:
        work = Path(work_dir)
        member = DB_MEMBER[manifest.vendor]
        archive.extract(member, work, filter="data")
        if manifest.vendor == "postgresql":
            _restore_postgresql(work / member, work)
        else:
            _restore_sqlite(work / member)
        _restore_media(archive, work)
    caching.bump(*caching.SUBJECTS)  # every record may have changed: no page shows a summary of the old ones
    migrated = _has_pending_migrations()  # an older backup: bring it to the current schema
    call_command("migrate", interactive=False, verbosity=0)
    mismatches: list[str] = []
    if not migrated:
        now = live_counts()
        mismatches = [f"{table}：备份{expected}行，恢复后{now.get(table)}行"
                      for table, expected in manifest.counts.items() if now.get(table) != expected]
        files = len(_media_files(Path(settings.MEDIA_ROOT)))
        if files != manifest.media_files:
            mismatches.append(f"上传文件：备份{manifest.media_files}个，恢复后{files}个")
    return RestoreResult(manifest, migrated, mismatches)
