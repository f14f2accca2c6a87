"""A worker killed mid-report: the job is run again by the next worker and finishes; meanwhile
nothing is offered for download; a job that nobody takes over is failed with a reason.

The kill test uses real worker processes against Redis (run it with ``pytest -m celery_worker``,
as CI does). The rest runs in the normal suite.
"""

from __future__ import annotations

import datetime as dt
import time
from io import BytesIO
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports import services
from reports.models import Job
from reports.tasks import fail_stale_jobs, run_export_job
from tests.celery_support import broker, start_worker, stop_worker, wait_for


def make_job(user, unit, exporter="members", **fields) -> Job:
    job = services.job_create(user=user, kind=f"export:{exporter}", label="测试导出",
                              params={"exporter": exporter, "unit": unit.pk, "period": "2026", "format": "xlsx"})
    if fields:
        Job.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
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
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_report_is_rerun_by_the_next_worker(settings, tmp_path, tree, owner, client_for):
    from tests.factories import ensure_rule_tables

    ensure_rule_tables()
    media = Path(settings.MEDIA_ROOT)
    client = client_for(owner)
    first = start_worker(media_root=media, log=tmp_path / "first.log", include=("tests.reports.slow_exporter",),
                         env={"SLOW_EXPORT_SECONDS": "60"})
    second = None
    try:
        with broker(settings.REDIS_URL) as app:
            app.control.purge()  # nothing left over from an earlier run goes first
            job = make_job(owner, tree["branch_a"], exporter="slow-test")
            services.job_queue(job, run_export_job)

            def running() -> bool:
                job.refresh_from_db()
                return job.state == Job.State.RUNNING and job.attempts == 1

            wait_until(running, 25, "the first worker to start the job")
            time.sleep(0.5)  # well inside the 60-second render
            first.kill()  # SIGKILL: no clean-up, no acknowledgement
            first.wait(timeout=10)

            job.refresh_from_db()
            assert job.state == Job.State.RUNNING and not job.file
            assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
            assert "进行中" in client.get(reverse("reports:job", args=[job.pk])).content.decode()
            assert not list(media.glob(f"jobs/*/*/{job.pk}/*")), "no file under the job's name"

            # The next worker finds the unacknowledged message once its visibility timeout has
            # passed (1 s here; 900 s by default) and runs the job again from the start.
            second = start_worker(media_root=media, log=tmp_path / "second.log",
                                  include=("tests.reports.slow_exporter",),
                                  env={"SLOW_EXPORT_SECONDS": "0", "CELERY_VISIBILITY_TIMEOUT": "1"})
            done = wait_for(job, seconds=30)
    finally:
        stop_worker(first)
        if second is not None:
            stop_worker(second)
    logs = "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("*.log"))
    assert done.state == Job.State.DONE, f"{done.state} {done.message}\n{logs}"
    assert done.attempts == 2
    download = client.get(reverse("reports:job_download", args=[done.pk]))
    assert download.status_code == 200
    rows = list(load_workbook(BytesIO(b"".join(download.streaming_content))).worksheets[0].values)
    assert rows == [("组织", "期间"), (tree["branch_a"].name, "2026")]
    assert not [p for p in media.rglob(".*.part")], "no temporary file left behind"


# --- without a worker: stale jobs, repeated interruptions, files written whole ---------------------


@pytest.mark.django_db
def test_stale_jobs_are_failed_with_a_reason_and_fresh_ones_are_left(settings, tree, owner, staff, client_for):
    settings.JOB_STALE_AFTER = 600
    long_ago = timezone.now() - dt.timedelta(hours=2)
    unit = tree["branch_a"]
    died = make_job(owner, unit, state=Job.State.RUNNING, attempts=1, heartbeat_at=long_ago)
    never_taken = make_job(owner, unit)
    Job.objects.filter(pk=never_taken.pk).update(created_at=long_ago)
    working = make_job(owner, unit, state=Job.State.RUNNING, attempts=1, heartbeat_at=timezone.now())
    fresh = make_job(owner, unit)
    finished = make_job(owner, unit, state=Job.State.DONE, heartbeat_at=long_ago, finished_at=long_ago)
    others = make_job(staff, unit, state=Job.State.RUNNING, attempts=1, heartbeat_at=long_ago)

    # the owner's own pages fail the owner's dead jobs at once, even with no beat running
    page = client_for(owner).get(reverse("reports:job", args=[died.pk]))
    assert "生成失败：后台任务中断，请重试。" in page.content.decode()
    states = {j.pk: (j.state, j.message) for j in Job.objects.all()}
    assert states[died.pk] == (Job.State.FAILED, services.INTERRUPTED_MESSAGE)
    assert states[never_taken.pk] == (Job.State.FAILED, services.INTERRUPTED_MESSAGE)
    assert states[working.pk][0] == Job.State.RUNNING
    assert states[fresh.pk][0] == Job.State.QUEUED
    assert states[finished.pk][0] == Job.State.DONE
    assert states[others.pk][0] == Job.State.RUNNING  # not the owner's: left to beat

    assert fail_stale_jobs.delay().get() == 1  # beat's sweep
    assert Job.objects.get(pk=others.pk).state == Job.State.FAILED


def test_beat_sweeps_stale_jobs_every_ten_minutes():
    from config.celery_app import app

    entry = app.conf.beat_schedule["reports-fail-stale-jobs"]
    assert app.tasks[entry["task"]].name == fail_stale_jobs.name == "reports.tasks.fail_stale_jobs"
    assert entry["schedule"].minute == set(range(0, 60, 10))


@pytest.mark.django_db
def test_a_redelivered_job_runs_again_but_not_forever(tree, owner):
    unit = tree["branch_a"]
    interrupted = make_job(owner, unit, state=Job.State.RUNNING, attempts=1, progress=10)
    run_export_job.delay(str(interrupted.pk))  # the broker hands it out again
    interrupted.refresh_from_db()
    assert interrupted.state == Job.State.DONE and interrupted.attempts == 2

    poison = make_job(owner, unit, state=Job.State.RUNNING, attempts=services.MAX_JOB_ATTEMPTS)
    run_export_job.delay(str(poison.pk))
    poison.refresh_from_db()
    assert poison.state == Job.State.FAILED and "已停止重试" in poison.message and not poison.file

    done_before = interrupted.finished_at
    run_export_job.delay(str(interrupted.pk))  # a late duplicate of a finished job changes nothing
    interrupted.refresh_from_db()
    assert interrupted.attempts == 2 and interrupted.finished_at == done_before


@pytest.mark.django_db
def test_a_file_that_cannot_be_written_whole_is_never_offered(tree, owner, client_for, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    job = make_job(owner, tree["branch_a"])

    def disk_full(handle, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)  # the write fails after some bytes went to the temp file
    run_export_job.delay(str(job.pk))
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "生成文件时出错" in job.message and not job.file
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert client_for(owner).get(reverse("reports:job_download", args=[job.pk])).status_code == 404

    monkeypatch.undo()
    retry = make_job(owner, tree["branch_a"])
    run_export_job.delay(str(retry.pk))
    retry.refresh_from_db()
    assert retry.state == Job.State.DONE
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [retry.filename]
