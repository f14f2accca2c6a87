"""``manage.py bench --scale large --out bench/results.json``: the committee-scale benchmark.

Seeds the demo at ``--scale`` unless it is already there, runs every operation after a warm-up,
prints a table and writes the JSON the README's figures come from. Exits 1 when an operation is
over its budget (so ``make bench`` fails visibly).
"""

from __future__ import annotations

import gc
import json
import os
import platform
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from benchmarks import bench
from branches.demo import SCALES


class Command(BaseCommand):
    help = "在演示数据上运行性能基准，输出 JSON 与表格"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="large")
        parser.add_argument("--out", default="bench/results.json")
        parser.add_argument("--runs", type=int, default=7, help="每项操作在预热后的运行次数（写入类操作取其一半，至少2次）")
        parser.add_argument("--only", nargs="*", default=None, help="只运行这些操作")

    def handle(self, *args: Any, scale: str, out: str, runs: int, only: list[str] | None, **options: Any) -> None:
        if runs < 1:
            raise CommandError("--runs 至少为 1", returncode=2)
        bench.ensure_demo(scale, self.stdout)
        # Measure what production runs: no DEBUG (no query log, cached templates), which needs
        # the collected static files' manifest.
        call_command("collectstatic", interactive=False, verbosity=0)
        settings.DEBUG = False
        gc.freeze()  # as config/wsgi.py does for gunicorn
        setting = bench.Setting()
        ops = bench.operations(setting)
        names = [op.name for op in ops]
        unknown = sorted(set(only or []) - set(names))
        if unknown:
            raise CommandError(f"没有这些操作：{'、'.join(unknown)}（可选：{'、'.join(names)}）", returncode=2)
        results = []
        for op in ops:
            if only and op.name not in only:
                continue
            slow = (op.budget.p95_ms or 0) >= 3000
            n = max(2, runs // 2) if slow else runs
            self.stdout.write(f"  {op.name}：{op.what} …", ending="")
            self.stdout.flush()
            result = bench.measure(op, runs=n)
            self.stdout.write(f" 中位数 {result.median_ms:.0f} ms")
            results.append(result)
        report = {
            "scale": scale,
            "database": _database(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
            "counts": bench.counts(),
            "operations": [r.as_json() for r in results],
        }
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self._table(results)
        self.stdout.write(f"结果已写入 {path}")
        over = [r for r in results if r.failures()]
        if over:
            raise CommandError("超出预算：" + "；".join(f"{r.name}（{'，'.join(r.failures())}）" for r in over))

    def _table(self, results: list[bench.Result]) -> None:
        self.stdout.write("")
        self.stdout.write(f"{'操作':<28}{'次数':>4}{'首次ms':>9}{'中位数ms':>10}{'p95 ms':>10}{'查询':>6}"
                          f"{'底线ms':>9}{'峰值MB':>8}  结果")
        for r in results:
            failures = r.failures()
            verdict = self.style.SUCCESS("达标") if not failures else self.style.ERROR("超出：" + "，".join(failures))
            floor = f"{r.floor_ms:.0f}" if r.floor_ms is not None else "-"
            peak = f"{r.peak_mb:.0f}" if r.peak_mb is not None else "-"
            self.stdout.write(f"{r.name:<30}{r.runs:>4}{r.cold_ms or 0:>9.0f}{r.median_ms:>10.0f}{r.p95_ms:>10.0f}"
                              f"{r.queries:>6}{floor:>9}{peak:>8}  {verdict}")


def _database() -> str:
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        return f"postgresql {connection.pg_version // 10000}"
    return f"{connection.vendor} {connection.Database.sqlite_version}" if connection.vendor == "sqlite" else connection.vendor
