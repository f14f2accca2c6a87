"""People, their status lifecycle, time-bounded membership of units, transfers and exits, and
the 25-step 发展党员 record."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from branches.models import OrgUnit, Voidable, in_subtree

from .idnumbers import mask


class Status(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"


PARTY_MEMBER_STATUSES = (Status.PROBATIONARY, Status.FULL)
PIPELINE_STATUSES = (Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE, Status.PROBATIONARY)


class Gender(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"


class Education(models.TextChoices):
    POSTGRADUATE = "研究生", "研究生"
    UNDERGRADUATE = "大学本科", "大学本科"
    COLLEGE = "大学专科", "大学专科"
    SECONDARY = "中专", "中专"
    HIGH_SCHOOL = "高中", "高中"
    JUNIOR = "初中及以下", "初中及以下"


class PersonQuerySet(models.QuerySet):
    def in_unit_on(self, unit: OrgUnit, day: dt.date) -> PersonQuerySet:
        """People belonging to ``unit`` or anything under it on ``day``."""
        return self.filter(
            models.Exists(
                Membership.objects.filter(in_subtree(unit, "unit"), person=models.OuterRef("pk")).active_on(day)
            )
        )


class Person(models.Model):
    name = models.CharField("姓名", max_length=50)
    pinyin = models.CharField("拼音", max_length=200, db_index=True, editable=False, default="")
    initials = models.CharField("拼音首字母", max_length=50, db_index=True, editable=False, default="")
    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    gender = models.CharField("性别", max_length=2, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, blank=True, default="汉族")
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    position = models.CharField("工作岗位", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    status = models.CharField("人员类别", max_length=16, choices=Status.choices)
    applied_on = models.DateField("申请入党日期", null=True, blank=True)
    activist_on = models.DateField("确定积极分子日期", null=True, blank=True)
    candidate_on = models.DateField("确定发展对象日期", null=True, blank=True)
    probationary_on = models.DateField("接收预备党员日期", null=True, blank=True)
    full_on = models.DateField("转正日期", null=True, blank=True)
    probation_extension_months = models.PositiveSmallIntegerField(
        "延长预备期（月）", default=0, help_text="只能延长一次，6至12个月。"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["pinyin", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probation_extension_months=0)
                | Q(probation_extension_months__gte=6, probation_extension_months__lte=12),
                name="person_probation_extension_6_12",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_party_member(self) -> bool:
        return self.status in PARTY_MEMBER_STATUSES

    @property
    def masked_id_number(self) -> str:
        return mask(self.id_number)


class MembershipQuerySet(models.QuerySet):
    def active_on(self, day: dt.date) -> MembershipQuerySet:
        """Memberships in force on ``day``: started on or before it and not yet ended."""
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day), started_on__lte=day)

    def current(self) -> MembershipQuerySet:
        return self.filter(ended_on__isnull=True)


class Membership(models.Model):
    """A person's belonging to a 党支部 (and optionally one of its 党小组) from ``started_on``
    until the day before ``ended_on``. A transfer or group change closes one and opens another."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="memberships")
    unit = models.ForeignKey(OrgUnit, verbose_name="所在党支部", on_delete=models.PROTECT, related_name="memberships")
    group = models.ForeignKey(
        OrgUnit, verbose_name="党小组", null=True, blank=True, on_delete=models.PROTECT,
        related_name="group_memberships",
    )
    started_on = models.DateField("加入日期")
    ended_on = models.DateField("离开日期", null=True, blank=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "组织关系"
        verbose_name_plural = "组织关系"
        ordering = ["person", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_on__isnull=True), name="membership_one_open_per_person"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="membership_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["unit", "started_on", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit}"


class EventKind(models.TextChoices):
    JOIN = "join", "加入"
    TRANSFER_IN = "transfer_in", "组织关系转入"
    TRANSFER_OUT = "transfer_out", "组织关系转出"
    GROUP_CHANGE = "group_change", "调整党小组"
    DEATH = "death", "死亡"
    EXPELLED = "expelled", "开除党籍（出党）"
    REMOVED = "removed", "除名"
    SUSPENDED = "suspended", "停止党籍"


EXIT_KINDS = (EventKind.DEATH, EventKind.EXPELLED, EventKind.REMOVED, EventKind.SUSPENDED)


class MemberEvent(models.Model):
    """A recorded change of a person's organisational relationship. Never edited or deleted."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("事项", max_length=16, choices=EventKind.choices)
    date = models.DateField("日期")
    from_unit = models.ForeignKey(
        OrgUnit, verbose_name="转出组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        OrgUnit, verbose_name="转入组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    external_org = models.CharField("系统外组织", max_length=200, blank=True)
    letter_number = models.CharField("介绍信编号", max_length=50, blank=True)
    reason = models.CharField("原因/说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "组织关系变动"
        verbose_name_plural = "组织关系变动"
        ordering = ["person", "date", "id"]
        indexes = [models.Index(fields=["kind", "date"])]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.date}"


class DevelopmentStep(models.Model):
    """One of the 25 steps of 发展党员 (发展细则), done on a date."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="steps")
    step = models.PositiveSmallIntegerField("步骤")
    done_on = models.DateField("完成日期")
    hours = models.PositiveSmallIntegerField("培训学时", null=True, blank=True)
    days = models.PositiveSmallIntegerField("培训天数", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "发展步骤"
        verbose_name_plural = "发展步骤"
        ordering = ["person", "step"]
        constraints = [
            models.UniqueConstraint(fields=["person", "step"], name="development_step_once"),
            models.CheckConstraint(condition=Q(step__gte=1, step__lte=25), name="development_step_1_25"),
        ]

    def __str__(self) -> str:
        return f"{self.person} 第{self.step}步"


class RecognitionKind(models.TextChoices):
    MODEL_MEMBER = "model_member", "优秀共产党员"
    MODEL_WORKER = "model_worker", "优秀党务工作者"
    MODEL_UNIT = "model_unit", "先进基层党组织"
    CARE = "care", "党内关怀（走访慰问）"


PERSON_RECOGNITIONS = (RecognitionKind.MODEL_MEMBER, RecognitionKind.MODEL_WORKER, RecognitionKind.CARE)


class Recognition(Voidable):
    """评优表彰 and 党内关怀 recorded for the work reports: who or which unit, when, by whom;
    care visits with the amount given. Corrected by voiding with a reason, never deleted."""

    kind = models.CharField("类别", max_length=16, choices=RecognitionKind.choices)
    unit = models.ForeignKey(OrgUnit, verbose_name="党组织", on_delete=models.PROTECT, related_name="recognitions")
    person = models.ForeignKey(Person, verbose_name="党员", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="recognitions")
    date = models.DateField("日期")
    granted_by = models.CharField("授予/组织单位", max_length=100, blank=True)
    amount = models.DecimalField("慰问金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "表彰与关怀"
        verbose_name_plural = "表彰与关怀"
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="recognition_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person or self.unit} {self.date}"
