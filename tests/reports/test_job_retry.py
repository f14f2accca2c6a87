"""A job whose worker is gone is known lost within three heartbeats, says 后台任务中断, and its
owner may run it again (重试) — once, however often the button is pressed, and nobody else.

The worker's heartbeat comes from a thread with its own database connection, so it goes on while
the job's work holds a transaction open (an import's write). The end-to-end test kills a real
worker (``pytest -m celery_worker``, as CI does); the rest runs in the normal suite.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import ImportBatch, Job
from reports.tasks import run_export_job
from tests.celery_support import broker, start_worker, stop_worker, wait_for


def make_job(user, unit, exporter="members", **fields) -> Job:
    job = services.job_create(user=user, kind=f"export:{exporter}", label="测试导出",
                              params={"exporter": exporter, "unit": unit.pk, "period": "2026", "format": "xlsx"})
    if fields:
        Job.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


def ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def wait_until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


# --- the heartbeat ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_stamped_while_the_work_runs_and_stops_with_it(tree, owner):
    running = make_job(owner, tree["branch_a"], state=Job.State.RUNNING, attempts=1, heartbeat_at=ago(600))
    failed = make_job(owner, tree["branch_a"], state=Job.State.FAILED, heartbeat_at=ago(600))
    with services.job_heartbeat(running.pk, interval=0.05):
        wait_until(lambda: Job.objects.get(pk=running.pk).heartbeat_at > ago(1), 5, "a heartbeat")
    last = Job.objects.get(pk=running.pk).heartbeat_at
    time.sleep(0.3)
    assert Job.objects.get(pk=running.pk).heartbeat_at == last, "no heartbeat once the work is over"
    assert not [t for t in threading.enumerate() if t.name.startswith("job-heartbeat-")]

    with services.job_heartbeat(failed.pk, interval=0.05):
        time.sleep(0.3)
    assert Job.objects.get(pk=failed.pk).heartbeat_at < ago(500), "a job failed as lost stays failed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_goes_on_while_an_import_writes_in_one_transaction(tree, owner):
    """The write of a browser import holds its batch locked in one transaction for as long as it
    takes; the heartbeat is committed from another connection meanwhile, and shows to others."""
    job = make_job(owner, tree["branch_a"], state=Job.State.RUNNING, attempts=1, heartbeat_at=ago(600))
    job.kind = "import:members"
    job.save(update_fields=["kind"])
    batch = ImportBatch.objects.create(user=owner, kind="members", file="imports/x.xlsx", original_name="x.xlsx",
                                       state=ImportBatch.State.APPLYING, job=job)
    with services.job_heartbeat(job.pk, interval=0.05), transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)  # as reports.import_run._write
        locked.summary = "写入中"
        locked.save()
        # read committed: each statement here sees what other connections committed before it
        wait_until(lambda: Job.objects.get(pk=job.pk).heartbeat_at > ago(1), 5, "a heartbeat during the write")
        assert connection.in_atomic_block


# --- known lost: three heartbeats missed ------------------------------------------------------------


@pytest.mark.django_db
def test_a_running_job_is_lost_after_three_missed_heartbeats_and_a_queued_one_waits_longer(
        settings, tree, owner, client_for):
    settings.JOB_HEARTBEAT_INTERVAL, settings.JOB_STALE_AFTER = 30, 3600
    unit = tree["branch_a"]
    lost = make_job(owner, unit, state=Job.State.RUNNING, attempts=1, progress=10, heartbeat_at=ago(91))
    alive = make_job(owner, unit, state=Job.State.RUNNING, attempts=1, progress=10, heartbeat_at=ago(60))
    queued = make_job(owner, unit)
    Job.objects.filter(pk=queued.pk).update(created_at=ago(1800))  # behind a long job, say
    never_taken = make_job(owner, unit)
    Job.objects.filter(pk=never_taken.pk).update(created_at=ago(3601))

    client = client_for(owner)
    page = client.get(reverse("reports:job", args=[lost.pk])).content.decode()
    assert "后台任务中断" in page and reverse("reports:job_retry", args=[lost.pk]) in page and "重试" in page
    page = client.get(reverse("reports:job", args=[alive.pk])).content.decode()
    assert "进行中" in page and reverse("reports:job_retry", args=[alive.pk]) not in page

    states = dict(Job.objects.values_list("pk", "state"))
    assert states[lost.pk] == Job.State.FAILED
    assert states[alive.pk] == Job.State.RUNNING
    assert states[queued.pk] == Job.State.QUEUED
    assert states[never_taken.pk] == Job.State.FAILED

    # a redelivered message of the lost job finds it failed and does nothing
    run_export_job.delay(str(lost.pk))
    lost.refresh_from_db()
    assert lost.state == Job.State.FAILED and lost.attempts == 1 and not lost.file


# --- 重试 ---------------------------------------------------------------------------------------


@pytest.fixture
def lost_job(settings, tree, owner):
    settings.JOB_HEARTBEAT_INTERVAL = 30
    return make_job(owner, tree["branch_a"], state=Job.State.RUNNING, attempts=1, progress=10, heartbeat_at=ago(600))


@pytest.mark.django_db
def test_the_owner_retries_a_lost_job_once_however_often_asked(lost_job, owner, client_for,
                                                                 django_capture_on_commit_callbacks):
    client = client_for(owner)
    url = reverse("reports:job_retry", args=[lost_job.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url)
    again = Job.objects.get(retry_of=lost_job)
    assert first.status_code == 302 and first.url == reverse("reports:job", args=[again.pk])
    assert (again.user, again.kind, again.label, again.params) == (owner, lost_job.kind, lost_job.label, lost_job.params)
    again.refresh_from_db()
    assert again.state == Job.State.DONE and again.file  # run (in-process here) like any export

    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url)  # a double click, or the back button and again
    assert second.status_code == 302 and second.url == reverse("reports:job", args=[again.pk])
    assert Job.objects.count() == 2

    lost_job.refresh_from_db()
    assert lost_job.state == Job.State.FAILED and lost_job.message == services.INTERRUPTED_MESSAGE
    page = client.get(reverse("reports:job", args=[lost_job.pk])).content.decode()
    assert "已重试，查看新任务" in page and reverse("reports:job", args=[again.pk]) in page
    assert url not in page  # no second button


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_retries_at_the_same_moment_queue_one_job(lost_job, owner, monkeypatch):
    """Two requests at once (two tabs): the failed job's row is locked while the first asks, and
    ``retry_of`` is unique, so both are given the same new job."""
    services.jobs_fail_stale(user=owner)
    queued = []
    monkeypatch.setattr(services, "job_queue", lambda job, task: queued.append(job.pk))
    results: list[Job] = []

    def retry() -> None:
        try:
            results.append(services.job_retry(job=lost_job, task=run_export_job))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(results) == 2 and results[0].pk == results[1].pk
    assert queued == [results[0].pk]
    assert Job.objects.filter(retry_of=lost_job).count() == 1


@pytest.mark.django_db
def test_nobody_else_may_retry_and_only_by_post_with_csrf(lost_job, owner, outsider, staff, client_for):
    url = reverse("reports:job_retry", args=[lost_job.pk])
    for other in (outsider, staff):  # another branch's secretary; committee staff over the whole tree
        assert client_for(other).post(url).status_code == 404
    assert Client().post(url).status_code == 302  # anonymous: to the login page
    assert client_for(owner).get(url).status_code == 405
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(owner)
    assert guarded.post(url).status_code == 403
    assert not Job.objects.filter(retry_of=lost_job).exists()
    assert client_for(owner).post(reverse("reports:job_retry", args=["00000000-0000-0000-0000-000000000000"])
                                  ).status_code == 404


@pytest.mark.django_db
def test_a_job_that_has_not_failed_is_not_retried(tree, owner, client_for):
    client = client_for(owner)
    for state in (Job.State.QUEUED, Job.State.DONE):
        job = make_job(owner, tree["branch_a"], state=state, heartbeat_at=timezone.now())
        response = client.post(reverse("reports:job_retry", args=[job.pk]), follow=True)
        assert response.redirect_chain[-1][0] == reverse("reports:job", args=[job.pk])
        assert "该任务没有失败，无需重试。" in response.content.decode()
    running = make_job(owner, tree["branch_a"], state=Job.State.RUNNING, attempts=1, heartbeat_at=timezone.now())
    client.post(reverse("reports:job_retry", args=[running.pk]))
    assert not Job.objects.filter(retry_of__isnull=False).exists()
    running.refresh_from_db()
    assert running.state == Job.State.RUNNING


@pytest.mark.django_db(transaction=True)  # sent at once, as in production, not after a test's commit
def test_a_retry_while_the_broker_is_down_says_so_and_can_be_retried_later(settings, lost_job, owner, client_for):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"  # nobody listens there
    client = client_for(owner)
    with broker(url):
        response = client.post(reverse("reports:job_retry", args=[lost_job.pk]), follow=True)
    again = Job.objects.get(retry_of=lost_job)
    assert response.redirect_chain[-1][0] == reverse("reports:job", args=[again.pk])
    page = response.content.decode()
    assert "后台任务服务暂时不可用，重试未能开始" in page
    assert again.state == Job.State.FAILED and reverse("reports:job_retry", args=[again.pk]) in page


# --- end to end: a worker killed mid-export ----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery_worker
# Serialized like the other worker tests that need it (test_reminders, test_import_jobs): a
# transactional test without it re-creates the content types on teardown, which a serialized one
# after it then repeats.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_workers_job_is_offered_for_retry_within_three_heartbeats(settings, tmp_path, tree, owner, client_for):
    from tests.factories import ensure_rule_tables

    ensure_rule_tables()
    settings.JOB_HEARTBEAT_INTERVAL = 1  # the page's side; the worker's is set in its environment
    media = Path(settings.MEDIA_ROOT)
    client = client_for(owner)
    first = start_worker(media_root=media, log=tmp_path / "first.log", include=("tests.reports.slow_exporter",),
                         env={"SLOW_EXPORT_SECONDS": "60", "JOB_HEARTBEAT_INTERVAL": "1"})
    second = None
    try:
        with broker(settings.REDIS_URL) as app:
            app.control.purge()
            job = make_job(owner, tree["branch_a"], exporter="slow-test")
            services.job_queue(job, run_export_job)
            wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.RUNNING, 25, "the worker to start")
            started = Job.objects.get(pk=job.pk).heartbeat_at
            wait_until(lambda: Job.objects.get(pk=job.pk).heartbeat_at > started, 5, "a heartbeat from the worker")
            assert "进行中" in client.get(reverse("reports:job", args=[job.pk])).content.decode()

            first.kill()  # SIGKILL mid-render: no clean-up, no acknowledgement
            first.wait(timeout=10)
            killed = time.monotonic()
            job_page = reverse("reports:job", args=[job.pk])
            wait_until(lambda: "后台任务中断" in client.get(job_page).content.decode(), 10, "the page to say so")
            assert time.monotonic() - killed < 5  # three 1-second heartbeats, not a visibility timeout
            retry = client.post(reverse("reports:job_retry", args=[job.pk]))
            again = Job.objects.get(retry_of=job)
            assert retry.url == reverse("reports:job", args=[again.pk])

            # The next worker runs the retry; the killed job's own message, handed back to it after
            # the visibility timeout (1 s here), finds that job failed and does nothing.
            second_log = tmp_path / "second.log"
            second = start_worker(media_root=media, log=second_log, include=("tests.reports.slow_exporter",),
                                  loglevel="INFO", env={"SLOW_EXPORT_SECONDS": "0", "CELERY_VISIBILITY_TIMEOUT": "1"})
            again = wait_for(again, seconds=40)
            wait_until(lambda: second_log.read_text(errors="replace").count(" received") >= 2, 40,
                       "the killed job's message to be handed to the next worker")
            time.sleep(1)
    finally:
        stop_worker(first)
        if second is not None:
            stop_worker(second)
    logs = "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("*.log"))
    assert again.state == Job.State.DONE, f"{again.state} {again.message}\n{logs}"
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.attempts == 1 and not job.file
    assert client.get(reverse("reports:job_download", args=[again.pk])).status_code == 200
