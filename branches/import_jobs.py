"""Browser imports as background jobs: upload → check → preview → confirm → write.

Checking 10,000 roster rows takes seconds, and writing them as long again; run in the request, that
would hold one of gunicorn's processes (one per core) for all that time, and everyone else's pages
would wait. So the upload is kept as an :class:`ImportBatch` and a job checks it (a dry run that
writes nothing); the page polls until the preview or the list of problems is ready. Confirming
queues a second job that writes it, all or nothing, and marks the batch applied in the same
transaction, so a job run again after its worker died never writes twice. Without ``REDIS_URL``
the jobs run in the request, as every job does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from reports.models import Job
from reports.services import job_create, job_done, job_fail, job_progress, job_queue

from . import access
from .importing import ImportRefused, importer_for
from .models import ImportBatch

JOB_KIND_PREFIX = "import:"  # jobs of this kind are shown on the import pages, not among the downloads
LABELS = {"orgs": "党组织", "members": "党员名册", "meetings": "会议台账", "payments": "党费缴纳记录"}


def importer_for_user(user: Any, kind: str) -> Any:
    """The importer of ``kind`` when ``user`` may import (KeyError: no such kind).

    Which rows each account may write is the importer's own check; this only refuses an account
    that can write nowhere."""
    importer = importer_for(kind)
    scope = access.scope_for(user)
    if not (scope.is_admin or scope.edit_paths or (kind == "orgs" and scope.staff_paths)):
        raise PermissionDenied("您的账号只能查看，不能导入。")
    return importer


def import_keep(*, user: Any, kind: str, upload: UploadedFile) -> ImportBatch:
    """Keep an uploaded workbook, to be checked (:func:`import_check`)."""
    importer_for_user(user, kind)
    batch = ImportBatch(user=user, kind=kind, original_name=upload.name[:200], state=ImportBatch.State.CHECKING)
    batch.file.save(f"{kind}.xlsx", upload, save=False)
    batch.save()
    return batch


def import_check(batch: ImportBatch) -> None:
    """Queue the check of a kept workbook. Raises ``BackgroundUnavailable`` when the broker
    cannot be reached; the batch is kept, and its page says why it was not checked."""
    _queue(batch, apply=False)


def import_confirm(*, user: Any, batch: ImportBatch) -> bool:
    """Queue the write of a checked batch, or again of one whose write stopped before it finished
    (the broker was down, the worker died: that write rolled back, so nothing was written).
    False when it is not waiting for that (a second click, a batch being checked or written, or
    already written or refused): nothing is queued twice."""
    importer_for_user(user, batch.kind)
    batch.refresh_from_db(fields=["state", "job"])  # drops the cached job too: read as it is now
    if batch.state != ImportBatch.State.PREVIEW and not (batch.state == ImportBatch.State.APPLYING and batch.stopped):
        return False
    return _queue(batch, apply=True)


def _queue(batch: ImportBatch, *, apply: bool) -> bool:
    """Give the batch a new job and send it. The batch moves only from the state and job it was
    read with, in one UPDATE that PostgreSQL checks again after waiting for the row's lock: of two
    clicks at once, or a click while a write still holds the batch, one moves it and the other
    finds it moved (False)."""
    from .tasks import run_import_job  # the task module imports this one

    label = LABELS.get(batch.kind, batch.kind)
    with transaction.atomic():
        job = job_create(user=batch.user, kind=f"{JOB_KIND_PREFIX}{batch.kind}",
                         label=f"{'写入' if apply else '校验'}{label}：{batch.original_name}",
                         params={"batch": batch.pk, "apply": apply})
        state = ImportBatch.State.APPLYING if apply else ImportBatch.State.CHECKING
        if not ImportBatch.objects.filter(pk=batch.pk, state=batch.state, job_id=batch.job_id).update(
                state=state, job=job):
            transaction.set_rollback(True)
            return False
    batch.state, batch.job = state, job
    job_queue(job, run_import_job)
    return True


def import_run(job: Job) -> None:
    """The job's work, once a worker has taken it: check the batch, or write it."""
    apply = bool(job.params.get("apply"))
    expected = ImportBatch.State.APPLYING if apply else ImportBatch.State.CHECKING
    batch = ImportBatch.objects.filter(pk=job.params.get("batch")).first()
    if batch is None:
        job_fail(job.pk, "该导入文件已不存在。")
        return
    if batch.job_id != job.pk or batch.state != expected:
        job_done(job.pk)  # a message delivered again after the work was done: nothing to do
        return
    try:
        importer = importer_for_user(job.user, batch.kind)
    except PermissionDenied as denied:
        job_fail(job.pk, str(denied))
        return
    try:
        if apply:
            _write(batch, importer, job)
        else:
            with batch.file.open("rb") as handle:
                result = importer.run(handle, user=job.user, dry_run=True,
                                      progress=lambda percent, what: job_progress(job.pk, percent, what))
            ImportBatch.objects.filter(pk=batch.pk, state=expected, job=job).update(
                state=ImportBatch.State.PREVIEW, summary=result.summary)
    except ImportRefused as refused:  # problems in the file, or, for a write, data changed since the preview
        ImportBatch.objects.filter(pk=batch.pk, state=expected, job=job).update(
            state=ImportBatch.State.REFUSED, problems=refused.problems,
            summary=f"未通过校验：{len(refused.problems)}个问题，未写入任何数据")
    job_done(job.pk)


def _write(batch: ImportBatch, importer: Any, job: Job) -> None:
    """Write the batch and mark it applied in one transaction. Its progress is told before the
    transaction begins: what is written inside it shows to nobody else until it commits."""
    job_progress(job.pk, 10, "正在写入")
    with transaction.atomic():
        # Locked, so that a message delivered twice at once writes once: the second waits here,
        # then finds the batch applied.
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state != ImportBatch.State.APPLYING or batch.job_id != job.pk:
            return
        with batch.file.open("rb") as handle:
            result = importer.run(handle, actor=job.user, user=job.user)
        batch.state, batch.summary, batch.applied_at = ImportBatch.State.APPLIED, result.summary, timezone.now()
        batch.save()
