"""Redis goes away while a worker runs an export and comes back a few seconds later: the worker keeps
running and reconnects, the export finishes, and an export queued afterwards is done too.

With Celery 5.7 and kombu's Redis transport as they come, the worker ended here ("Restoring 1
unacknowledged message(s)", then "Unrecoverable error: AttributeError(\"'NoneType' object has no
attribute 'hostname'\")"), and every export after it waited at 排队中 until someone restarted the
worker; ``config/broker.py`` says why, and how the project's transport keeps it running.

Each test starts a Redis of its own on a free port (it stops and restarts it, so not the shared
one) and a real worker against it (run with ``pytest -m celery_worker``, as CI does).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from reports import services
from reports.models import Job
from reports.tasks import run_export_job
from tests.celery_support import broker, start_worker, stop_worker, wait_for

REDIS_SERVER = shutil.which("redis-server")


class OwnRedis:
    """A redis-server of the test's own on a free loopback port, without persistence (as Redis
    restarted without its data comes back: whatever was queued in it is gone)."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # as `systemctl stop redis-server`: every client's connection closes
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path):
    if REDIS_SERVER is None:
        pytest.fail("redis-server is needed (apt-get install redis-server)")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def queue_export(owner, unit, exporter: str) -> Job:
    job = services.job_create(user=owner, kind=f"export:{exporter}", label="测试导出",
                              params={"exporter": exporter, "unit": unit.pk, "period": "2026", "format": "xlsx"})
    services.job_queue(job, run_export_job)
    return job


def wait_until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery_worker
# Serialized like the other worker tests that need it (test_reminders, test_import_jobs): a
# transactional test without it re-creates the content types on teardown, which a serialized one
# after it then repeats.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(("pool", "down"), [
    ("prefork", 3),   # back before the export ends: it is acknowledged through the lost connection
    ("prefork", 12),  # still away when the export ends
    ("solo", 12),     # the export runs in the consumer itself, which finds Redis gone afterwards
], ids=["prefork-back-mid-export", "prefork-back-after-export", "solo-back-after-export"])
def test_worker_outlives_redis_going_away_mid_export(settings, tmp_path, tree, owner, own_redis, pool, down):
    from tests.factories import ensure_rule_tables

    ensure_rule_tables()
    log = tmp_path / "worker.log"
    worker = start_worker(media_root=Path(settings.MEDIA_ROOT), log=log, include=("tests.reports.slow_exporter",),
                          pool=pool, loglevel="INFO",
                          env={"REDIS_URL": own_redis.url, "SLOW_EXPORT_SECONDS": "8"})
    try:
        with broker(own_redis.url):
            first = queue_export(owner, tree["branch_a"], "slow-test")

            def running() -> bool:
                first.refresh_from_db()
                return first.state == Job.State.RUNNING

            wait_until(running, 40, "the worker to start the export")
            time.sleep(1)  # well inside the 8-second render
            own_redis.stop()
            time.sleep(down)
            assert worker.poll() is None, "the worker ended while Redis was away"
            own_redis.start()

            first = wait_for(first, seconds=60)
            # The worker reconnects on its own (every 2, 4, … s); an export queued now, through
            # the web side's pooled connection to the Redis that went away, is done too.
            def reconnected() -> bool:
                assert worker.poll() is None, f"the worker ended:\n{log.read_text(errors='replace')}"
                return log.read_text(errors="replace").count("Connected to") >= 2

            wait_until(reconnected, 60, "the worker to reconnect")
            second = wait_for(queue_export(owner, tree["branch_a"], "members"), seconds=60)
            alive = worker.poll() is None
    finally:
        stop_worker(worker)
    output = log.read_text(errors="replace")
    assert alive, f"the worker ended:\n{output}"
    assert "Unrecoverable error" not in output, output
    assert first.state == Job.State.DONE and first.attempts == 1, f"{first.state} {first.message}\n{output}"
    assert second.state == Job.State.DONE, f"{second.state} {second.message}\n{output}"


def test_a_channel_of_a_collected_connection_reports_a_connection_error():
    """What the worker meets when Celery 5.7 closes a connection it has already collected: an
    error that kombu and Celery ignore or log (a connection error), not an AttributeError."""
    from types import SimpleNamespace

    from kombu import Connection

    from config.broker import Channel, Transport

    connection = Connection("redis://127.0.0.1:6379/0", transport="config.broker:Transport")
    assert type(connection.transport) is Transport and Transport.Channel is Channel
    channel = Channel.__new__(Channel)  # no Redis needed: only what it reads of its transport
    channel.connection = SimpleNamespace(client=None)
    with pytest.raises(redis.ConnectionError):
        channel._connparams()
    assert redis.ConnectionError in Transport.connection_errors
