"""Point the portal's Celery app at a broker for one test, and run real worker processes.

Tests run with ``task_always_eager`` (config/settings/test.py); the helpers here switch it off and
aim the app at a broker — a real Redis for the worker tests, a dead port for the fault tests —
and put everything back afterwards, connection pools included (the app caches them per URL).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import connection
from kombu import pools as kombu_pools

from config.celery_app import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def _reset_pools() -> None:
    kombu_pools.reset()  # closes every cached broker connection and forgets the pools
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextlib.contextmanager
def broker(url: str) -> Iterator[Any]:
    """Send tasks to ``url`` for real (not in-process) inside the block."""
    conf = celery_app.conf
    previous = conf.broker_url, conf.task_always_eager
    _reset_pools()
    conf.broker_url, conf.task_always_eager = url, False
    try:
        yield celery_app
    finally:
        _reset_pools()
        conf.broker_url, conf.task_always_eager = previous


def jobs_run_on_commit() -> Any:
    """Run the jobs a request queues. A test runs inside a transaction that never commits, and a
    job is sent when the transaction that created it commits; this sends it when the block ends."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def worker_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(*, media_root: Path, log: Path, env: dict[str, str] | None = None,
                 include: tuple[str, ...] = (), pool: str = "solo", loglevel: str = "WARNING") -> subprocess.Popen:
    """A `celery worker` subprocess against REDIS_URL (or ``env``'s), on this test's database: the
    solo pool, or ``pool="prefork"`` with two processes as deploy/zhibu-worker.service runs it. Its
    output goes to ``log`` (a pipe nobody reads would fill up and stall the worker)."""
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": worker_database_url(),
                "MEDIA_ROOT": str(media_root), **(env or {})}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", f"--loglevel={loglevel}",
               "--without-heartbeat", "--without-mingle", "--without-gossip"]
    if pool == "prefork":
        command.append("--concurrency=2")
    if include:
        command += ["--include", ",".join(include)]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for(job: Any, seconds: float = 60) -> Any:
    """Poll a Job until it is finished (done or failed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job still {job.state} after {seconds}s")
