"""Background exports: eager in-process by default, a real worker against Redis in CI."""

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports import services
from reports.models import ExportLog, Job
from reports.tasks import run_export_job
from tests.celery_support import broker, start_worker, stop_worker, wait_for
from tests.factories import make_person


@pytest.fixture
def start_job(django_capture_on_commit_callbacks):
    """Create and queue an export job as the view does: the task is sent after the commit."""

    def start(user, unit, exporter="members", period="2026", fmt="xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.job_create(user=user, kind=f"export:{exporter}", label="测试导出",
                                      params={"exporter": exporter, "unit": unit.pk, "period": period, "format": fmt})
            services.job_queue(job, run_export_job)
        return job

    return start


@pytest.mark.django_db
def test_eager_export_job_produces_file_and_logs(tree, owner, start_job):
    make_person(tree["branch_a"])
    job = start_job(owner, tree["branch_a"])
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.progress == 100
    rows = list(load_workbook(BytesIO(job.file.read())).worksheets[0].values)
    assert len(rows) == 2
    assert ExportLog.objects.filter(user=owner, exporter="members", via="web").exists()


@pytest.mark.django_db
def test_job_rechecks_permission(tree, outsider, start_job):
    job = start_job(outsider, tree["branch_a"])
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "无权" in job.message
    assert not job.file


@pytest.mark.django_db
def test_unreachable_broker_says_so_and_marks_job(tree, owner, django_capture_on_commit_callbacks):
    """With a broker configured but down, queuing fails fast with a clear state; nothing is lost.
    Queued from inside a transaction, the failure marks the job and does not break the commit
    (sent at once, it raises for the view to say so: see test_broker_down)."""
    from celery import Celery

    down = Celery("down", broker="redis://127.0.0.1:1/0", set_as_current=False)
    down.conf.broker_connection_timeout = 1
    task = down.task(name="reports.tasks.run_export_job")(run_export_job.run)
    job = services.job_create(user=owner, kind="export:members", label="测试导出",
                              params={"exporter": "members", "unit": tree["branch_a"].pk, "period": "2026",
                                      "format": "xlsx"})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.job_queue(job, task)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "不可用" in job.message


@pytest.fixture
def celery_worker_process(settings, tmp_path):
    """A real `celery worker` subprocess against REDIS_URL, using this test's database.

    Run these tests in a session of their own (``pytest -m celery_worker``, as CI does): under
    xdist two workers would share the Redis queue and take each other's tasks."""
    from tests.factories import ensure_rule_tables

    worker = start_worker(media_root=Path(settings.MEDIA_ROOT), log=tmp_path / "worker.log")
    ensure_rule_tables()
    try:
        with broker(settings.REDIS_URL):
            yield worker
    finally:
        stop_worker(worker)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_export_and_reports_failure(tree, owner, celery_worker_process):
    def start_job(user, unit, fmt="xlsx"):
        job = services.job_create(user=user, kind="export:members", label="测试导出",
                                  params={"exporter": "members", "unit": unit.pk, "period": "2026", "format": fmt})
        services.job_queue(job, run_export_job)  # no transaction here: sent at once
        return job

    make_person(tree["branch_a"])
    done = wait_for(start_job(owner, tree["branch_a"]))
    assert done.state == Job.State.DONE, done.message
    assert len(list(load_workbook(BytesIO(done.file.read())).worksheets[0].values)) == 2
    log = ExportLog.objects.get()  # the worker logs the personal data it exported, as the request's user
    assert (log.user, log.actor, log.exporter, log.org_code, log.via, log.masked) == (
        owner, "owner", "members", tree["branch_a"].code, "web", False)
    failed = wait_for(start_job(owner, tree["branch_a"], fmt="docx"))
    assert failed.state == Job.State.FAILED and "只能导出为" in failed.message


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_generates_work_report_and_reports_failure(tree, owner, celery_worker_process):
    from docx import Document

    make_person(tree["branch_a"])

    def start(period):
        job = services.job_create(user=owner, kind="export:work-report", label="工作报告",
                                  params={"exporter": "work-report", "unit": tree["branch_a"].pk, "period": period,
                                          "format": "docx"})
        services.job_queue(job, run_export_job)
        return job

    done = wait_for(start("2026H1"))
    assert done.state == Job.State.DONE, done.message
    head = [p.text for p in Document(BytesIO(done.file.read())).paragraphs[:3]]  # the 版头, then the title
    assert head[0] == tree["branch_a"].name and "2026年上半年党建工作总结" in "".join(head[1:])
    failed = wait_for(start("2026Q1"))
    assert failed.state == Job.State.FAILED and "半年" in failed.message
