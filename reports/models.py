"""Background jobs (exports, reports, large imports) that the browser polls for progress."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


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


class ExportLog(models.Model):
    """Who exported what containing personal data, and when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    exporter = models.CharField(max_length=40)
    org_code = models.CharField(max_length=32)
    period = models.CharField(max_length=16)
    via = models.CharField(max_length=10)  # web / cli
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.exporter} {self.org_code} {self.period}"
