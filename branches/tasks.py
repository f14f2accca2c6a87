"""Celery: 换届 reminders (beat) at 6, 3 and 1 months before a term ends and when it is overdue,
and the background jobs of browser imports."""

from __future__ import annotations

import logging

from celery import shared_task

from reports.services import job_fail, job_start

from .import_jobs import import_run
from .models import today
from .services import send_term_reminders_on

logger = logging.getLogger(__name__)


@shared_task
def send_term_reminders() -> int:
    return send_term_reminders_on(today())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import_job(job_id: str) -> None:
    """Acknowledged only when done: a worker that dies mid-import leaves the message to the next
    one. The write is one transaction, so the next one starts from nothing written."""
    job = job_start(job_id)
    if job is None:
        return
    try:
        import_run(job)
    except Exception:
        logger.exception("import job %s failed", job_id)
        doing = "导入" if job.params.get("apply") else "校验"
        job_fail(job.pk, f"{doing}时出错，未写入任何数据。错误已记录，请联系系统管理员。")
