"""Background jobs: create, run with progress, finish with a file or a reason."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .models import Job


class BackgroundUnavailable(Exception):
    """The broker cannot be reached; the job was not queued (and nothing was lost)."""


def job_create(*, user: Any, kind: str, label: str, params: dict[str, Any]) -> Job:
    return Job.objects.create(user=user, kind=kind, label=label, params=params)


def job_queue(job: Job, task: Any) -> None:
    """Queue ``task(job.id)`` once the surrounding transaction commits.

    Eager mode (no REDIS_URL) runs it in-process. When a broker is configured but unreachable the
    job is marked failed with the reason and :class:`BackgroundUnavailable` is raised.
    """

    def send() -> None:
        try:
            task.apply_async(args=[str(job.pk)], retry=False)
        except Exception as exc:  # kombu raises OperationalError and friends
            job_fail(job.pk, "后台任务服务暂时不可用，任务未能提交，请稍后重试。")
            raise BackgroundUnavailable(str(exc)) from exc

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(send)
    else:
        send()


def job_progress(job_id: Any, progress: int, message: str = "") -> None:
    Job.objects.filter(pk=job_id).update(state=Job.State.RUNNING, progress=min(progress, 99), message=message)


def job_finish(job_id: Any, *, filename: str, content_type: str, content: bytes) -> Job:
    """Save the file first, then mark the job done in one update: a download is never partial."""
    job = Job.objects.get(pk=job_id)
    job.file.save(filename, ContentFile(content), save=False)
    Job.objects.filter(pk=job_id).update(
        file=job.file.name, filename=filename, content_type=content_type, state=Job.State.DONE, progress=100,
        message="", finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def job_fail(job_id: Any, reason: str) -> None:
    Job.objects.filter(pk=job_id).update(state=Job.State.FAILED, message=reason[:500], finished_at=timezone.now())
