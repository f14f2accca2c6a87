"""Writes of the reports app: background jobs, scorecard scoring and publication, work-report drafts and plans."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from branches import caching
from branches.atomic_files import write_atomically
from branches.models import path_within, today
from branches.services import save_with_history

from .models import Job, ManualScore, PlanStatus, Scorecard, ScoreMethod
from .scorecards import compute, rubric_for

logger = logging.getLogger(__name__)


class BackgroundUnavailable(Exception):
    """The broker cannot be reached; the job was not queued (and nothing was lost)."""


def job_create(*, user: Any, kind: str, label: str, params: dict[str, Any]) -> Job:
    return Job.objects.create(user=user, kind=kind, label=label, params=params)


def job_queue(job: Job, task: Any) -> None:
    """Send ``task(job.id)`` to the worker, once the job row is committed.

    Eager mode (no REDIS_URL) runs it in-process. When a broker is configured but unreachable the
    job is marked failed with the reason (nothing is lost: the row stays, and the page that shows
    it says why) and, when sent at once, :class:`BackgroundUnavailable` is raised for the caller
    to say so. Inside a transaction the send waits for the commit, and a failure then only marks
    the job: it must not break whatever committed.
    """

    def send() -> None:
        if settings.JOBS_IN_THREAD:  # no worker (make run): run beside the page, which shows its progress
            threading.Thread(target=_run_in_thread, args=(task, str(job.pk)), daemon=True).start()
            return
        try:
            task.apply_async(args=[str(job.pk)], retry=False)
        except Exception as exc:  # kombu raises OperationalError and friends
            job_fail(job.pk, "后台任务服务暂时不可用，任务未能提交，请稍后重试。")
            raise BackgroundUnavailable(str(exc)) from exc

    def send_after_commit() -> None:
        try:
            send()
        except BackgroundUnavailable as exc:
            logger.warning("job %s not queued, broker unavailable: %s", job.pk, exc)

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(send_after_commit)
    else:
        send()


def _run_in_thread(task: Any, job_id: str) -> None:
    """A task run by the web process itself, as a worker would run it; its own database connection
    is closed when it ends."""
    try:
        task.apply(args=[job_id])
    finally:
        connections.close_all()


MAX_JOB_ATTEMPTS = 3
INTERRUPTED_MESSAGE = "后台任务中断，请重试。"


def job_start(job_id: Any) -> Job | None:
    """A worker takes the job: count the attempt and stamp a heartbeat.

    Returns ``None`` when the job is gone or finished (a re-delivered message after the job was
    completed or failed) or when it has been interrupted too often — a job whose worker keeps
    dying (out of memory, say) is failed instead of being re-run forever.
    """
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, state__in=[Job.State.QUEUED, Job.State.RUNNING]).update(
        state=Job.State.RUNNING, attempts=F("attempts") + 1, heartbeat_at=now, progress=0,
        message="正在开始",
    )
    if not taken:
        return None
    job = Job.objects.select_related("user").get(pk=job_id)
    if job.attempts > MAX_JOB_ATTEMPTS:
        job_fail(job.pk, f"后台任务已中断{job.attempts - 1}次，已停止重试。请稍后重试；如仍失败，请联系系统管理员。")
        return None
    if job.attempts > 1:
        Job.objects.filter(pk=job_id).update(message="上次执行中断，正在重新执行")
    return job


def job_progress(job_id: Any, progress: int, message: str = "") -> None:
    Job.objects.filter(pk=job_id, state__in=[Job.State.QUEUED, Job.State.RUNNING]).update(
        state=Job.State.RUNNING, progress=min(progress, 99), message=message, heartbeat_at=timezone.now())


def _job_file_name(job: Job, filename: str) -> str:
    """One folder per job: a re-run of the same job replaces its own file and nobody else's."""
    return f"jobs/{job.created_at:%Y/%m}/{job.pk}/{default_storage.get_valid_name(filename)}"


def job_finish(job_id: Any, *, filename: str, content_type: str, content: bytes) -> Job:
    """Write the file atomically (temporary file, then rename), then mark the job done in one
    update: a download is never partial, and a worker killed mid-write leaves no file behind
    under the job's name (only a hidden ``.part`` that nothing serves)."""
    job = Job.objects.get(pk=job_id)
    name = _job_file_name(job, filename)
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, content)
    Job.objects.filter(pk=job_id).update(
        file=name, filename=filename, content_type=content_type, state=Job.State.DONE, progress=100,
        message="", finished_at=timezone.now(), heartbeat_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def job_done(job_id: Any) -> None:
    """A job that leaves no file (a browser import) is done."""
    Job.objects.filter(pk=job_id).update(state=Job.State.DONE, progress=100, message="",
                                         finished_at=timezone.now(), heartbeat_at=timezone.now())


def job_fail(job_id: Any, reason: str) -> None:
    Job.objects.filter(pk=job_id).update(state=Job.State.FAILED, message=reason[:500], finished_at=timezone.now())


def job_beat(job_id: Any) -> int:
    """The job's worker is alive: stamp the heartbeat of the job, if it is still running."""
    return Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(heartbeat_at=timezone.now())


@contextlib.contextmanager
def job_heartbeat(job_id: Any, interval: float | None = None) -> Iterator[None]:
    """Stamp the job's heartbeat every ``JOB_HEARTBEAT_INTERVAL`` seconds while the block runs.

    A thread does it, with a database connection of its own: outside whatever transaction the
    job's work holds open (an import writes in one transaction, and what it writes there shows to
    nobody until it commits), and while that work is busy in one long step (a render). The job's
    row is not locked by that work (the batch that points to it takes only a key-share lock), so
    the stamp does not wait for it."""
    interval = settings.JOB_HEARTBEAT_INTERVAL if interval is None else interval
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    job_beat(job_id)
                except Exception:  # the database is away for a moment: try again next time
                    logger.warning("job %s: heartbeat not stamped", job_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"job-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def job_lost_after() -> dt.timedelta:
    """How old a running job's heartbeat is when its worker is taken for lost: three beats missed."""
    return dt.timedelta(seconds=3 * settings.JOB_HEARTBEAT_INTERVAL)


def jobs_fail_stale(*, user: Any = None) -> int:
    """Fail the jobs whose worker is gone, so nobody watches a progress bar that will not move and
    their owners can retry them (:func:`job_retry`): a running job whose heartbeat is older than
    :func:`job_lost_after`, and a queued job that no worker took for ``JOB_STALE_AFTER`` seconds.
    Run by beat, and by the job pages for the viewer's own jobs. Returns how many were failed.

    A message redelivered afterwards finds its job failed and does nothing (:func:`job_start`)."""
    now = timezone.now()
    lost, never_taken = now - job_lost_after(), now - dt.timedelta(seconds=settings.JOB_STALE_AFTER)
    stale = Job.objects.filter(
        Q(state=Job.State.RUNNING, heartbeat_at__lt=lost)
        | Q(state__in=[Job.State.QUEUED, Job.State.RUNNING], heartbeat_at__isnull=True, created_at__lt=never_taken))
    if user is not None:
        stale = stale.filter(user=user)
    return stale.update(state=Job.State.FAILED, message=INTERRUPTED_MESSAGE, finished_at=now)


def job_retry(*, job: Job, task: Any) -> Job | None:
    """Run a failed job again (重试), as a new job with the same owner, kind and parameters; the
    failed one stays, with why it failed, and points to the new one.

    Once only: of two clicks, however close, the first queues the new job and the second is given
    that same job (the failed job's row is locked while it is asked, and ``retry_of`` is unique).
    ``None`` when the job has not failed (it is queued, running or done): nothing to retry.
    Raises :class:`BackgroundUnavailable` as :func:`job_queue` does; the new job is then failed,
    and may be retried in its turn."""
    with transaction.atomic():
        failed = Job.objects.select_for_update().get(pk=job.pk)
        again = failed.retried_as
        if again is not None:
            return again
        if failed.state != Job.State.FAILED:
            return None
        try:
            with transaction.atomic():
                again = Job.objects.create(user=failed.user, kind=failed.kind, label=failed.label,
                                           params=failed.params, retry_of=failed)
        except IntegrityError:  # asked at the same moment where rows are not locked (SQLite)
            return Job.objects.get(retry_of=failed)
    job_queue(again, task)
    return again


# --- Scorecards -------------------------------------------------------------------------------


def manual_score_set(*, actor: Any, unit: Any, period: Any, item: Any, points: Any, comment: str) -> Any:
    """Committee staff score a manual rubric item (综合评价) for a branch's quarter, with a comment."""
    if item.method != ScoreMethod.MANUAL:
        raise ValidationError({"points": f"“{item.label}”由系统根据台账计算，不能手工评分。"})
    try:
        value = Decimal(str(points)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"points": "得分应为数字。"}) from None
    if not value.is_finite():  # NaN survives quantize and then refuses every comparison
        raise ValidationError({"points": "得分应为数字。"})
    if not Decimal(0) <= value <= item.max_points:
        raise ValidationError({"points": f"得分应在0到{item.max_points}之间。"})
    if not (comment or "").strip():
        raise ValidationError({"comment": "请填写评语，说明得分依据。"})
    score = ManualScore.objects.filter(unit=unit, period=str(period), item=item).first() or ManualScore(
        unit=unit, period=str(period), item=item
    )
    score.points, score.comment, score.entered_by = value, comment.strip(), actor
    save_with_history(score, actor)
    caching.bump("scorecards")
    return score


@transaction.atomic
def scorecards_publish(*, actor: Any, root: Any, period: Any, reason: str = "", early: bool = False,
                       early_reason: str = "") -> list[Any]:
    """Freeze the quarter's scorecards of every branch under ``root`` as published snapshots.

    A quarter is published once it is over: until then its meetings, dues and points still move.
    Before, only explicitly (``early``, 提前发布) with a reason, which is stored on each card and
    shown with it. Every manual item must be scored first. Publishing again replaces the snapshot
    only with a reason; the previous version stays in the history.
    """
    early_reason = early_reason.strip() if early and not period.end < today() else ""
    if not period.end < today():
        if not early:
            raise ValidationError({"early": f"{period.label}尚未结束（{period.end.month}月{period.end.day}日截止），"
                                            "本季度的会议、党费和积分还在变化，考核结果不能发布。"
                                            "如确需提前发布，请勾选“提前发布”并填写原因。"})
        if not early_reason:
            raise ValidationError({"early_reason": "提前发布须填写原因。"})
        if "\x00" in early_reason or len(early_reason) > Scorecard._meta.get_field("early_reason").max_length:
            raise ValidationError({"early_reason": "提前发布原因不能超过300字，也不能包含空字符。"})
    try:
        cards = compute(root, period)
    except LookupError as exc:  # no rubric in force for the quarter
        raise ValidationError(str(exc)) from None
    if not cards:
        raise ValidationError("该组织下没有参加考核的党支部。")
    unscored = [card.unit.name for card in cards if not card.complete]
    if unscored:
        raise ValidationError(f"以下党支部的党委评定项尚未评分：{'、'.join(unscored[:10])}"
                              + (f"等{len(unscored)}个" if len(unscored) > 10 else ""))
    existing = {card.unit_id: card for card in Scorecard.objects.filter(unit__in=[c.unit for c in cards],
                                                                         period=str(period))}
    reason = reason.strip()
    if existing and not reason:
        raise ValidationError({"reason": "本季度考核已发布，重新发布须填写原因。"})
    if "\x00" in reason or len(reason) > Scorecard._meta.get_field("republish_reason").max_length:
        raise ValidationError({"reason": "重新发布原因不能超过300字，也不能包含空字符。"})
    rubric = rubric_for(period)
    now = timezone.now()
    published = []
    for card in cards:
        row = existing.get(card.unit.pk) or Scorecard(unit=card.unit, period=str(period), version=0)
        row.rubric, row.total, row.band = rubric, card.total, card.band
        row.rank, row.ranked_among, row.snapshot = card.rank, card.ranked_among, card.snapshot()
        row.version += 1
        row.published_at, row.published_by = now, actor
        row.republish_reason = reason if row.version > 1 else ""
        row.early_reason = early_reason
        row._history_user = actor
        row.save()
        published.append(row)
    caching.bump("scorecards")
    return published


# --- Work reports ------------------------------------------------------------------------------


def report_draft_save(*, actor: Any, draft: Any) -> Any:

    draft.updated_by = actor
    save_with_history(draft, actor)
    return draft


def plan_item_save(*, actor: Any, unit: Any, year: int, item: Any) -> Any:


    item.unit, item.year = unit, year
    if item.due_on and item.due_on.year != year:
        raise ValidationError({"due_on": f"完成时限应在{year}年内。"})
    if not path_within(item.owner.path, unit.path):
        raise ValidationError({"owner": "责任单位应是本组织或其下级组织。"})
    save_with_history(item, actor)
    return item


def plan_item_tick(*, actor: Any, item: Any, status: str, evidence: str) -> Any:
    """销账: mark an item done (evidence required) or change its status."""


    if status not in PlanStatus.values:
        raise ValidationError({"status": "请选择状态。"})
    if status == PlanStatus.DONE and not evidence.strip():
        raise ValidationError({"evidence": "销账须填写完成情况或佐证材料。"})
    item.status, item.evidence = status, evidence.strip()[:500]
    item.done_on = (item.done_on or today()) if status == PlanStatus.DONE else None
    save_with_history(item, actor)
    return item
