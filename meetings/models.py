"""Meetings of every organisational-life kind, attendance, votes, 民主评议 results, 谈心谈话,
attachments, amendments, and the dated table of compliance rules the engine checks them against.

Nothing a report counts is hard-deleted: a meeting is voided with a reason, a confirmed meeting
changes only through an amendment that keeps what it said before.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from branches.models import DatedRule, OrgUnit, UnitKind, Voidable


class MeetingKind(models.TextChoices):
    GENERAL = "general", "党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE = "life", "组织生活会"
    APPRAISAL = "appraisal", "民主评议党员"


# Kinds held by a 党小组; every other kind is held by a 党支部.
GROUP_KINDS = (MeetingKind.GROUP,)
# Meetings at which votes of the whole branch are taken.
VOTING_KINDS = (MeetingKind.GENERAL,)


# The kinds a 主题党日 may also count as, and the flag that says so (支部条例: a 主题党日 may be
# held as the month's 党课 or 党员大会).
ALSO_COUNTS = {MeetingKind.LECTURE: "also_lecture", MeetingKind.GENERAL: "also_general"}


def counts_as_q(kind: str, via: str = "") -> Q:
    """The meetings (or rows reaching them through ``via``) that count as a ``kind`` meeting: of
    that kind, or a 主题党日 also held as one. :func:`kinds_counted` is the same rule in Python."""
    prefix = f"{via}__" if via else ""
    condition = Q(**{f"{prefix}kind": kind})
    if kind in ALSO_COUNTS:
        condition |= Q(**{f"{prefix}kind": MeetingKind.THEME_DAY, f"{prefix}{ALSO_COUNTS[kind]}": True})
    return condition


def kinds_counted(kind: str, also_lecture: bool, also_general: bool) -> list[str]:
    """The kinds a meeting counts for: its own, then those its 主题党日 flags add."""
    flags = {"also_lecture": also_lecture, "also_general": also_general}
    return [kind, *(also for also, flag in ALSO_COUNTS.items() if flags[flag])]


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    CONFIRMED = "confirmed", "已确认"
    VOID = "void", "已作废"


class LecturerRole(models.TextChoices):
    SECRETARY = "secretary", "支部书记"
    LEADER = "leader", "领导干部"
    OTHER = "other", "其他"


class Meeting(Voidable):
    number = models.CharField("会议编号", max_length=40, unique=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="党组织", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField("会议类型", max_length=16, choices=MeetingKind.choices)
    also_lecture = models.BooleanField("同时作为党课", default=False)
    also_general = models.BooleanField("同时作为党员大会", default=False)
    date = models.DateField("日期")
    start_time = models.TimeField("开始时间", null=True, blank=True)
    end_time = models.TimeField("结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    topic = models.CharField("主题", max_length=200)
    host = models.CharField("主持人", max_length=50, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    lecturer = models.CharField("授课人", max_length=50, blank=True)
    lecturer_role = models.CharField("授课人身份", max_length=16, choices=LecturerRole.choices, blank=True)
    agenda = models.TextField("议程", blank=True)
    minutes = models.TextField("会议内容（内容摘要）", blank=True)
    resolutions = models.TextField("会议决议", blank=True)
    status = models.CharField("状态", max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    # Bumped by every write through the services; an edit form carries the version it was opened
    # at, so a second person saving over a change they never saw is refused (optimistic locking).
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-date", "-start_time", "-id"]
        indexes = [models.Index(fields=["unit", "date"]), models.Index(fields=["date", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=MeetingKind.THEME_DAY) | Q(also_lecture=False, also_general=False),
                name="meeting_only_theme_day_counts_twice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}：{self.topic}"

    @property
    def is_draft(self) -> bool:
        return self.status == MeetingStatus.DRAFT

    @property
    def is_confirmed(self) -> bool:
        return self.status == MeetingStatus.CONFIRMED

    @property
    def counted_kinds(self) -> list[str]:
        """The kinds this meeting counts for (a 主题党日 may also be a 党课 and/or 党员大会)."""
        return kinds_counted(self.kind, self.also_lecture, self.also_general)

    @property
    def kinds_label(self) -> str:
        return "、".join(MeetingKind(kind).label for kind in self.counted_kinds)

    @property
    def takes_votes(self) -> bool:
        return MeetingKind.GENERAL in self.counted_kinds

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.unit_id:
            if self.kind in GROUP_KINDS and self.unit.kind != UnitKind.GROUP:
                errors["unit"] = "党小组会应记在党小组名下。"
            elif self.kind and self.kind not in GROUP_KINDS and self.unit.kind != UnitKind.BRANCH:
                errors["unit"] = f"{MeetingKind(self.kind).label}应记在党支部名下。"
        if self.kind != MeetingKind.THEME_DAY and (self.also_lecture or self.also_general):
            errors["also_lecture"] = "只有主题党日可以同时作为党课或党员大会。"
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = "结束时间应晚于开始时间。"
        if self.lecturer_role and not self.lecturer:
            errors["lecturer"] = "请填写授课人。"
        if errors:
            raise ValidationError(errors)


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"
    OBSERVER = "observer", "列席"


EXPECTED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT)


def attendance_annotations() -> dict[str, models.Count]:
    """Each meeting's attendance, to annotate a ``Meeting`` queryset with: 应到 ``n_expected``
    (出席 + 请假 + 缺席; 列席 are outside it), 实到 ``n_present``, ``n_leave``, ``n_absent``,
    ``n_observer`` and 补学 ``n_makeup``."""
    def status(*statuses: str) -> models.Count:
        return models.Count("attendance", filter=Q(attendance__status__in=statuses))

    return {"n_expected": status(*EXPECTED_STATUSES), "n_present": status(AttendanceStatus.PRESENT),
            "n_leave": status(AttendanceStatus.LEAVE), "n_absent": status(AttendanceStatus.ABSENT),
            "n_observer": status(AttendanceStatus.OBSERVER),
            "n_makeup": models.Count("attendance", filter=Q(attendance__makeup_on__isnull=False))}


class Attendance(models.Model):
    """One person at one meeting. Rows for the people expected (应到) are created with the meeting
    as 出席; the secretary toggles the exceptions. 列席 rows are people outside 应到."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey("members.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("出勤情况", max_length=10, choices=AttendanceStatus.choices,
                              default=AttendanceStatus.PRESENT)
    reason = models.CharField("原因", max_length=200, blank=True)
    makeup_on = models.DateField("补学日期", null=True, blank=True)
    makeup_note = models.CharField("补学说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        ordering = ["meeting", "person__pinyin", "person_id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once_per_meeting")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_status_display()}"

    def clean(self) -> None:
        if self.status == AttendanceStatus.LEAVE and not self.reason.strip():
            raise ValidationError({"reason": "请假须填写原因。"})
        if self.makeup_on and self.status not in (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT):
            raise ValidationError({"makeup_on": "只有请假或缺席的人员需要补学。"})


class MotionKind(models.TextChoices):
    ADMIT = "admit", "接收预备党员"
    CONFIRM = "confirm", "预备党员转正"
    ELECTION = "election", "选举"
    REMOVAL = "removal", "除名"
    OTHER = "other", "其他事项"


class Vote(models.Model):
    """A motion voted on at a 党员大会 (domain-rules.md: more than half of the 正式党员 entitled to
    vote present; passes with more than half of those entitled, not of those present)."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="votes")
    motion_kind = models.CharField("表决事项", max_length=12, choices=MotionKind.choices)
    motion = models.CharField("议题", max_length=200)
    subject = models.ForeignKey("members.Person", verbose_name="涉及人员", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    entitled = models.PositiveIntegerField("应到有表决权党员")
    present = models.PositiveIntegerField("实到有表决权党员")
    votes_for = models.PositiveIntegerField("赞成")
    votes_against = models.PositiveIntegerField("反对", default=0)
    abstentions = models.PositiveIntegerField("弃权", default=0)
    quorate = models.BooleanField("达到法定人数")
    passed = models.BooleanField("通过")
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "表决"
        verbose_name_plural = "表决"
        ordering = ["meeting", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(present__lte=models.F("entitled")), name="vote_present_le_entitled"),
            models.CheckConstraint(
                condition=Q(passed=False) | Q(quorate=True), name="vote_passed_needs_quorum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion}（{'通过' if self.passed else '未通过'}）"


class AppraisalGrade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "合格"
    BASIC = "basic", "基本合格"
    FAIL = "fail", "不合格"


class AppraisalResult(models.Model):
    """民主评议党员: one member's grade at one 民主评议 meeting."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="appraisals")
    person = models.ForeignKey("members.Person", verbose_name="党员", on_delete=models.PROTECT,
                               related_name="appraisals")
    grade = models.CharField("评议等次", max_length=10, choices=AppraisalGrade.choices)
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "民主评议结果"
        verbose_name_plural = "民主评议结果"
        ordering = ["meeting", "person__pinyin"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="appraisal_once_per_meeting")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_grade_display()}"


class Talk(Voidable):
    """谈心谈话: a 支委 (``officer``) and a member talked on a date."""

    unit = models.ForeignKey(OrgUnit, verbose_name="党支部", on_delete=models.PROTECT, related_name="talks")
    date = models.DateField("日期")
    officer = models.ForeignKey("members.Person", verbose_name="谈话人（支委）", on_delete=models.PROTECT,
                                related_name="+")
    member = models.ForeignKey("members.Person", verbose_name="谈话对象", on_delete=models.PROTECT, related_name="+")
    summary = models.TextField("谈话要点", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "谈心谈话"
        verbose_name_plural = "谈心谈话"
        ordering = ["-date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(officer=models.F("member")), name="talk_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.officer}—{self.member}"


class Amendment(models.Model):
    """A change to a confirmed meeting: ``changes`` maps field → [before, after]."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="amendments")
    reason = models.CharField("修改原因", max_length=300)
    changes = models.JSONField("修改内容")
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    amended_at = models.DateTimeField("修改时间", auto_now_add=True)

    class Meta:
        verbose_name = "更正记录"
        verbose_name_plural = "更正记录"
        ordering = ["meeting", "amended_at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting} 更正：{self.reason}"


class AttachmentKind(models.TextChoices):
    MINUTES_SCAN = "minutes", "会议记录扫描件"
    SIGN_IN = "sign_in", "签到表"
    PHOTO = "photo", "照片"
    OTHER = "other", "其他材料"


def attachment_path(instance: MeetingAttachment, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = dt.datetime.now().strftime("%H%M%S%f")
    return f"meetings/{instance.meeting.date:%Y/%m}/{instance.meeting_id}-{instance.kind}-{stamp}.{suffix}"


class MeetingAttachment(Voidable):
    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("材料类型", max_length=10, choices=AttachmentKind.choices)
    file = models.FileField("文件", upload_to=attachment_path)
    original_name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "会议材料"
        verbose_name_plural = "会议材料"
        ordering = ["meeting", "kind", "id"]

    def __str__(self) -> str:
        return self.original_name


class RuleScope(models.TextChoices):
    BRANCH = "branch", "每个党支部"
    BRANCH_WITH_COMMITTEE = "branch_committee", "设支委会的党支部"
    GROUP = "group", "每个党小组"


class RulePeriod(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    HALF = "half", "每半年"
    YEAR = "year", "每年"


class RuleCounts(models.TextChoices):
    """What a rule counts: a meeting kind, or 谈心谈话 pairs."""

    GENERAL = "general", "党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE = "life", "组织生活会"
    APPRAISAL = "appraisal", "民主评议党员"
    TALK = "talk", "谈心谈话（每对支委与党员）"


class ComplianceRule(DatedRule):
    """A dated frequency rule (domain-rules.md, organisational life). Rows sharing a ``code`` are
    versions of one rule; the version in force on the last day of each sub-period governs it.
    ``scope_unit`` set: a local extra rule added by that committee for its subtree."""

    code = models.SlugField("规则代码", max_length=40,
                            help_text="同一规则的不同版本（生效日期不同）使用同一代码。")
    name = models.CharField("名称", max_length=60, help_text="显示在合规表和导出中，如“党员大会”。")
    counts = models.CharField("统计对象", max_length=16, choices=RuleCounts.choices)
    applies_to = models.CharField("适用组织", max_length=20, choices=RuleScope.choices)
    min_count = models.PositiveSmallIntegerField("至少次数", default=1)
    period = models.CharField("周期", max_length=8, choices=RulePeriod.choices)
    secretary_lecture = models.BooleanField("仅统计书记讲授的党课", default=False)
    weekday = models.PositiveSmallIntegerField(
        "限定星期", null=True, blank=True, choices=[(i, f"星期{'一二三四五六日'[i]}") for i in range(7)],
    )
    week_of_month = models.PositiveSmallIntegerField(
        "限定第几个", null=True, blank=True, help_text="与“限定星期”连用：如第3个星期五（每月15–21日）。",
    )
    scope_unit = models.ForeignKey(
        OrgUnit, verbose_name="仅适用于（本组织及下级）", null=True, blank=True, on_delete=models.PROTECT,
        related_name="local_rules", help_text="留空为全局规则；上级党委增设的本地规则在此选择该党委。",
    )
    order = models.PositiveSmallIntegerField("排序", default=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "组织生活规则"
        verbose_name_plural = "组织生活规则"
        ordering = ["order", "code", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="compliance_rule_dates_in_order",
            ),
            models.CheckConstraint(condition=Q(min_count__gte=1), name="compliance_rule_min_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}：{self.get_applies_to_display()}{self.get_period_display()}至少{self.min_count}次"

    def clean(self) -> None:
        errors = self.date_errors()
        if self.applies_to == RuleScope.GROUP and self.counts not in (RuleCounts.GROUP,):
            errors["counts"] = "党小组只统计党小组会。"
        if self.counts == RuleCounts.GROUP and self.applies_to != RuleScope.GROUP:
            errors["applies_to"] = "党小组会规则应适用于党小组。"
        if self.secretary_lecture and self.counts != RuleCounts.LECTURE:
            errors["secretary_lecture"] = "只有党课规则可以限定书记讲授。"
        if (self.weekday is None) != (self.week_of_month is None):
            errors["week_of_month"] = "“限定星期”和“限定第几个”须同时填写或同时留空。"
        if self.week_of_month is not None and not 1 <= self.week_of_month <= 5:
            errors["week_of_month"] = "应为1至5。"
        if self.counts == RuleCounts.TALK and self.period != RulePeriod.YEAR:
            errors["period"] = "谈心谈话按年统计。"
        if self.scope_unit_id and self.scope_unit.kind == UnitKind.GROUP:
            errors["scope_unit"] = "本地规则应由党委、党总支或党支部设立。"
        if errors:
            raise ValidationError(errors)
        if self.code and self.effective_from:
            overlapping = ComplianceRule.objects.filter(code=self.code, scope_unit_id=self.scope_unit_id).exclude(
                pk=self.pk).in_force_during(self.effective_from, self.effective_to or dt.date.max)
            if overlapping.exists():
                raise ValidationError(
                    {"effective_from": "同一规则代码的生效期间与已有版本重叠，请先设置旧版本的失效日期。"}
                )

    def matches_day(self, day: dt.date) -> bool:
        """The weekday constraint of a local rule (e.g. 每月第三个星期五)."""
        if self.weekday is None or self.week_of_month is None:
            return True
        return day.weekday() == self.weekday and (day.day - 1) // 7 + 1 == self.week_of_month
