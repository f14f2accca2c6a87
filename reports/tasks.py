"""Thin Celery tasks: load the job, re-check permission, call the exporter or the importer, store
the outcome."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from branches.exporting import ExportRefused
from branches.models import OrgUnit
from branches.periods import Period

from . import services
from .exporters import run_export
from .import_run import import_run

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_export_job(job_id: str) -> None:
    """Acknowledged only when done: if the worker dies mid-run, the broker hands the message to
    the next worker (after the visibility timeout), which runs the job again from the start —
    unless the job was failed as lost meanwhile (its heartbeat stopped), which its owner retries."""
    job = services.job_start(job_id)
    if job is None:
        return
    with services.job_heartbeat(job.pk):  # its owner sees it is alive however long a render takes
        _export(job)


def _export(job: Any) -> None:
    params = job.params
    services.job_progress(job.pk, 10, "正在汇总数据")
    try:
        unit = OrgUnit.objects.get(pk=params["unit"])
        output = run_export(identifier=params["exporter"], unit=unit, period=Period.parse(params["period"]),
                            fmt=params["format"], user=job.user, via="web")
        services.job_finish(job.pk, filename=output.filename, content_type=output.content_type,
                            content=output.content)
    except ExportRefused as exc:
        services.job_fail(job.pk, str(exc))
        return
    except OrgUnit.DoesNotExist:
        services.job_fail(job.pk, "该党组织已不存在。")
        return
    except Exception:
        logger.exception("export job %s failed", job.pk)
        services.job_fail(job.pk, "生成文件时出错，已记录错误信息，请联系系统管理员。")


@shared_task
def fail_stale_jobs() -> int:
    """Beat: fail the jobs whose worker died and that no worker took over (see jobs_fail_stale)."""
    return services.jobs_fail_stale()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import_job(job_id: str) -> None:
    """Acknowledged only when done: a worker that dies mid-import leaves the message to the next
    one. The write is one transaction, so the next one starts from nothing written."""
    job = services.job_start(job_id)
    if job is None:
        return
    try:
        with services.job_heartbeat(job.pk):  # from its own connection: the write is one transaction
            import_run(job)
    except Exception:
        logger.exception("import job %s failed", job_id)
        doing = "导入" if job.params.get("apply") else "校验"
        services.job_fail(job.pk, f"{doing}时出错，未写入任何数据。错误已记录，请联系系统管理员。")
