"""The work of a browser import's job, once a worker has taken it: check the kept workbook (a dry run
that writes nothing), or write it all or nothing (``import_jobs`` queues it; ``tasks`` runs it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from branches import access
from branches.exporting import xlsx_bytes
from branches.importing import ImportRefused, Problem, importer_for

from .models import ImportBatch, Job
from .services import job_done, job_fail, job_progress

JOB_KIND_PREFIX = "import:"  # jobs of this kind are shown on the import pages, not among the downloads
PROBLEMS_SHOWN = 200  # problems a refused batch keeps and its page lists; the rest are in its workbook
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
                state=ImportBatch.State.PREVIEW, summary=result.summary, changes=result.changes,
                change_count=result.change_count)
    except ImportRefused as refused:  # problems in the file, or, for a write, data changed since the preview
        _refuse(batch, job, expected, refused)
    except Exception as exc:
        if not apply:  # a check that crashed would crash again: the batch is done with, and says why
            ImportBatch.objects.filter(pk=batch.pk, state=expected, job=job).update(
                state=ImportBatch.State.FAILED,
                summary=f"校验程序出错（{type(exc).__name__}），未写入任何数据。错误已记录，请联系系统管理员并提供该文件")
        raise  # the task logs it and fails the job; a write that stopped may be confirmed again
    job_done(job.pk)


def _refuse(batch: ImportBatch, job: Job, expected: str, refused: ImportRefused) -> None:
    """Keep the first ``PROBLEMS_SHOWN`` problems on the batch for its page, and every one of them
    in a workbook to download: a 20,000-row file with a problem in every cell must not make a
    page of tens of megabytes, nor a row of hundreds of thousands of lines."""
    count = len(refused.problems)
    workbook = ContentFile(problems_workbook(refused.entries), name=f"{batch.kind}-problems.xlsx")
    batch.problems_file.save(workbook.name, workbook, save=False)
    updated = ImportBatch.objects.filter(pk=batch.pk, state=expected, job=job).update(
        state=ImportBatch.State.REFUSED, problems=refused.problems[:PROBLEMS_SHOWN], problem_count=count,
        problems_file=batch.problems_file.name, summary=f"未通过校验：{count}个问题，未写入任何数据")
    if not updated:  # the batch moved on meanwhile: its workbook is nobody's
        batch.problems_file.delete(save=False)


def problems_workbook(entries: list[Problem]) -> bytes:
    """Every problem of a refused file, one a row: sheet, row, column and the problem."""
    rows = ((sheet or "", row, column or "", reason) for sheet, row, column, reason in entries)
    return xlsx_bytes([("问题清单", ["工作表", "行号", "列", "问题"], rows)], widths={"问题清单": [16, 8, 20, 60]})


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
        batch.changes, batch.change_count = result.changes, result.change_count
        batch.save()
