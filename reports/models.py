"""Background jobs (exports, reports, large imports) that the browser polls for progress."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from branches.models import DatedRule


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField("类型", max_length=40)
    label = models.CharField("名称", max_length=200)
    params = models.JSONField(default=dict)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField("进度", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    file = models.FileField("文件", upload_to="jobs/%Y/%m/", blank=True)
    filename = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # A worker stamps these when it takes the job, and the heartbeat every JOB_HEARTBEAT_INTERVAL
    # while it runs (reports.services.job_heartbeat). A running job whose heartbeat stops for three
    # intervals is failed as interrupted, and its owner may retry it (reports.services.jobs_fail_stale).
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    # The failed job this one runs again (重试): one retry per job, however often it is asked for.
    retry_of = models.OneToOneField("self", verbose_name="重试自", null=True, blank=True, editable=False,
                                    on_delete=models.SET_NULL, related_name="retry")

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.label

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def retried_as(self) -> Job | None:
        """The job that runs this one again, once its owner asked for a retry."""
        try:
            return self.retry
        except Job.DoesNotExist:
            return None


class ExportLog(models.Model):
    """Who exported what containing personal data (公民身份号码, 联系电话), and when.

    ``actor`` keeps the name even after the account is deleted: the username for the web, the
    operating-system account for ``manage.py export`` (which runs as no portal user)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField("操作人", max_length=150, blank=True)
    exporter = models.CharField("导出类型", max_length=40)
    org_code = models.CharField("党组织编码", max_length=32)
    period = models.CharField("期间", max_length=16)
    via = models.CharField("途径", max_length=10)  # web / cli
    masked = models.BooleanField("已脱敏", default=False)
    created_at = models.DateTimeField("导出时间", auto_now_add=True)

    class Meta:
        verbose_name = "个人信息导出记录"
        verbose_name_plural = "个人信息导出记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.exporter} {self.org_code} {self.period}"


class ScoreMethod(models.TextChoices):
    """How a rubric item is scored: a computation over the records, or by committee staff."""

    OFFICERS = "officers", "支委会设置与委员配备"
    TERMS = "terms", "按期换届"
    GROUPS = "groups", "党小组设置"
    MEETINGS = "meetings", "按规定召开会议的比例"
    ATTENDANCE = "attendance", "党员出勤率"
    POINTS = "points_published", "积分按月评定公示"
    TALKS = "talks", "谈心谈话进度"
    DUES_RATE = "dues_rate", "党费收缴率"
    REMITTANCE = "remittance", "党费按时上交"
    PIPELINE = "pipeline", "发展党员无超期环节"
    MANUAL = "manual", "党委评定"


class Rubric(DatedRule):
    """A dated scorecard rubric (domain-rules.md default: 100 points)."""

    name = models.CharField("名称", max_length=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核细则"
        verbose_name_plural = "考核细则"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"


class RubricItem(models.Model):
    rubric = models.ForeignKey(Rubric, verbose_name="考核细则", on_delete=models.CASCADE, related_name="items")
    category = models.CharField("类别", max_length=20)
    code = models.SlugField("代码", max_length=40)
    label = models.CharField("考核内容", max_length=100)
    max_points = models.DecimalField("分值", max_digits=5, decimal_places=1)
    method = models.CharField("计分方式", max_length=20, choices=ScoreMethod.choices)
    params = models.JSONField("参数", default=dict, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核项目"
        verbose_name_plural = "考核项目"
        ordering = ["rubric", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="rubric_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.category} · {self.label}（{self.max_points}分）"


class ManualScore(models.Model):
    """Committee staff's score and comment for a manual item of a branch's quarter."""

    unit = models.ForeignKey("branches.OrgUnit", verbose_name="党支部", on_delete=models.PROTECT, related_name="+")
    period = models.CharField("季度", max_length=8)
    item = models.ForeignKey(RubricItem, verbose_name="考核项目", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("得分", max_digits=5, decimal_places=1)
    comment = models.CharField("评语", max_length=500)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "评定分"
        verbose_name_plural = "评定分"
        constraints = [models.UniqueConstraint(fields=["unit", "period", "item"], name="manual_score_once")]

    def __str__(self) -> str:
        return f"{self.unit} {self.period} {self.item.label} {self.points}"


class Scorecard(models.Model):
    """A published (frozen) quarterly scorecard of a 党支部. ``snapshot`` holds every item with its
    points, explanation and evidence as published; later edits to records do not move it. A
    re-publish is explicit and the previous snapshot stays in the history."""

    unit = models.ForeignKey("branches.OrgUnit", verbose_name="党支部", on_delete=models.PROTECT, related_name="scorecards")
    period = models.CharField("季度", max_length=8)
    rubric = models.ForeignKey(Rubric, verbose_name="考核细则", on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField("总分", max_digits=5, decimal_places=1)
    band = models.CharField("等次", max_length=4)
    rank = models.PositiveIntegerField("排名")
    ranked_among = models.PositiveIntegerField("参评支部数")
    snapshot = models.JSONField("明细")
    version = models.PositiveSmallIntegerField("版本", default=1)
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    republish_reason = models.CharField("重新发布原因", max_length=300, blank=True)
    # Published before the quarter ended (提前发布): why; empty for a quarter published once over.
    early_reason = models.CharField("提前发布原因", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "季度考核"
        verbose_name_plural = "季度考核"
        ordering = ["period", "rank"]
        constraints = [models.UniqueConstraint(fields=["unit", "period"], name="scorecard_once_per_quarter")]
        indexes = [models.Index(fields=["period"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.period} {self.total}"


class ReportDraft(models.Model):
    """The editable narrative of a work report for one org unit and period. Figures are never
    stored here: they are recomputed from the records every time, so editing survives regeneration."""

    unit = models.ForeignKey("branches.OrgUnit", verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    period = models.CharField("期间", max_length=8)
    opening = models.TextField("开头", blank=True)
    achievements = models.TextField("主要成效", blank=True)
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下一步工作", blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "工作报告文稿"
        verbose_name_plural = "工作报告文稿"
        constraints = [models.UniqueConstraint(fields=["unit", "period"], name="report_draft_once")]

    def __str__(self) -> str:
        return f"{self.unit} {self.period}"


class PlanStatus(models.TextChoices):
    PLANNED = "planned", "未开始"
    ONGOING = "ongoing", "推进中"
    DONE = "done", "已完成（销账）"
    DROPPED = "dropped", "已调整取消"


class WorkPlanItem(models.Model):
    """One item of an org unit's annual 党建工作要点 / 任务清单."""

    unit = models.ForeignKey("branches.OrgUnit", verbose_name="制定单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("工作事项", max_length=300)
    owner = models.ForeignKey("branches.OrgUnit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("完成时限")
    status = models.CharField("状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    evidence = models.CharField("完成情况/佐证", max_length=500, blank=True)
    done_on = models.DateField("完成日期", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "工作要点"
        verbose_name_plural = "工作要点"
        ordering = ["unit", "year", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ImportBatch(models.Model):
    """An uploaded workbook (browser imports): checked, shown with its problems or as a preview,
    then written once confirmed.

    Checking and writing it run as background jobs (``reports/import_jobs.py``): ``job`` is the one
    under way or last run, so the page can show its progress, or why it stopped."""

    class State(models.TextChoices):
        CHECKING = "checking", "校验中"
        PREVIEW = "preview", "待确认"
        REFUSED = "refused", "未通过校验"
        APPLYING = "applying", "导入中"
        APPLIED = "applied", "已导入"
        FAILED = "failed", "校验出错"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches")
    kind = models.CharField("类型", max_length=20)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    state = models.CharField("状态", max_length=10, choices=State.choices)
    summary = models.CharField("结果", max_length=300, blank=True)
    problems = models.JSONField(default=list)  # the first PROBLEMS_SHOWN (reports/import_run.py)
    problem_count = models.PositiveIntegerField("问题数", default=0)
    problems_file = models.FileField(upload_to="imports/%Y/%m/", blank=True)  # every problem, as a workbook
    changes = models.JSONField(default=list)  # whom the import adds or changes (ImportResult.changes)
    change_count = models.PositiveIntegerField("变更条数", default=0)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]  # the newest first, also among those of the same moment

    def __str__(self) -> str:
        return self.original_name

    @property
    def stopped(self) -> bool:
        """Its check or write did not finish (the broker was down, the worker died, the job was
        never sent): nothing was written. Read with ``select_related("job")``."""
        working = self.state in (self.State.CHECKING, self.State.APPLYING)
        return working and (self.job is None or self.job.is_finished)

    @property
    def working(self) -> bool:
        """A job is checking or writing it now: its page asks again until it is done."""
        return self.state in (self.State.CHECKING, self.State.APPLYING) and not self.stopped
