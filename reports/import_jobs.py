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

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from .import_run import JOB_KIND_PREFIX, LABELS, importer_for_user
from .models import ImportBatch
from .services import job_create, job_queue
from .tasks import run_import_job


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
