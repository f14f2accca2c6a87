"""党费 and 积分 ledgers. The foundation holds each member's dues category and base with the month
it applies from; the ledgers themselves build on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from branches.models import DatedRule, OrgUnit, Voidable
from members.models import Person


class DuesCategory(models.TextChoices):
    EMPLOYED = "在职", "在职"
    RETIRED = "离退休", "离退休"
    FARMER = "农民", "农民"
    STUDENT = "学生", "学生"
    UNEMPLOYED = "下岗失业", "下岗失业"
    WELFARE = "低保", "低保"
    HARDSHIP = "困难减免", "困难减免"


# Categories whose amount depends on a monthly base (the others pay a flat amount).
BASE_CATEGORIES = (DuesCategory.EMPLOYED, DuesCategory.RETIRED)


class DuesBase(models.Model):
    """A member's dues category and monthly base from ``effective_from`` (the 1st of a month)
    until the next row. Rows are added, never rewritten: the past months keep their base."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="dues_bases")
    category = models.CharField("党费类别", max_length=8, choices=DuesCategory.choices)
    base = models.DecimalField("党费基数（元/月）", max_digits=10, decimal_places=2, null=True, blank=True)
    effective_from = models.DateField("起始月份")
    amount = models.DecimalField(
        "核定月缴金额", max_digits=8, decimal_places=2, null=True, blank=True,
        help_text="农民（0.20–1.00元）、困难减免（可为0）按人核定的每月金额；留空按标准的固定金额。",
    )
    approval_ref = models.CharField("审批文号", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费基数"
        verbose_name_plural = "党费基数"
        ordering = ["person", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["person", "effective_from"], name="dues_base_once_per_month"),
            models.CheckConstraint(condition=Q(base__isnull=True) | Q(base__gte=0), name="dues_base_not_negative"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0),
                                   name="dues_base_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.category} {self.base or ''} 自{self.effective_from:%Y-%m}"


# ---------------------------------------------------------------------------------------------
# Rate tables (党费规定): dated data, never code. A month uses the table in force on its 1st.


class RateTable(DatedRule):
    """A set of dues rules in force from ``effective_from`` until the next table starts (or its
    ``effective_to``)."""

    name = models.CharField("名称", max_length=100)
    effective_from = models.DateField("生效日期", unique=True, help_text="从该日期所在月份起适用；以往月份不受影响。")
    note = models.CharField("说明", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费标准"
        verbose_name_plural = "党费标准"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（自{self.effective_from:%Y-%m-%d}）"


class RateRule(models.Model):
    """One line of a table.

    * 在职 / 离退休: a band ``upper_bound`` (inclusive; empty = no upper limit) with a ``rate`` applied
      to the whole base (not progressive);
    * the other categories: a ``flat_amount`` a month; where ``min_amount``/``max_amount`` are set,
      a per-member amount inside that range may be recorded on the member's base (农民 0.20–1.00,
      困难减免 down to 0 with an approval reference).
    """

    table = models.ForeignKey(RateTable, verbose_name="党费标准", on_delete=models.CASCADE, related_name="rules")
    category = models.CharField("党费类别", max_length=8, choices=DuesCategory.choices)
    upper_bound = models.DecimalField("基数上限（含）", max_digits=10, decimal_places=2, null=True, blank=True)
    rate = models.DecimalField("比例", max_digits=6, decimal_places=4, null=True, blank=True,
                               help_text="如 0.0150 表示 1.5%")
    flat_amount = models.DecimalField("固定金额（元/月）", max_digits=8, decimal_places=2, null=True, blank=True)
    min_amount = models.DecimalField("个人核定金额下限", max_digits=8, decimal_places=2, null=True, blank=True)
    max_amount = models.DecimalField("个人核定金额上限", max_digits=8, decimal_places=2, null=True, blank=True)
    requires_approval = models.BooleanField("须有审批文号", default=False)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "党费比例"
        verbose_name_plural = "党费比例"
        ordering = ["table", "category", "upper_bound"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__isnull=False) | Q(flat_amount__isnull=False), name="rate_rule_rate_or_flat"
            ),
            models.CheckConstraint(condition=Q(rate__isnull=True) | Q(rate__gte=0), name="rate_rule_rate_not_negative"),
        ]

    def __str__(self) -> str:
        if self.rate is not None:
            upper = f"≤{self.upper_bound}" if self.upper_bound is not None else "以上"
            return f"{self.category} {upper} {self.rate * 100:.2f}%"
        return f"{self.category} {self.flat_amount}元/月"


# ---------------------------------------------------------------------------------------------
# The ledger: one amount due per member and month, payments against it, remittances upward.


class DuesDue(models.Model):
    """应缴: what a member owes for one month, created by ``generate_dues``. Derived from the base
    and the rate table (both keep history), so it is regenerated rather than edited."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="dues")
    month = models.DateField("月份")  # the 1st of the month
    unit = models.ForeignKey(OrgUnit, verbose_name="党支部", on_delete=models.PROTECT, related_name="dues")
    category = models.CharField("党费类别", max_length=8, choices=DuesCategory.choices)
    base = models.DecimalField("基数", max_digits=10, decimal_places=2, null=True, blank=True)
    rate = models.DecimalField("比例", max_digits=6, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField("应缴（元）", max_digits=10, decimal_places=2)
    table = models.ForeignKey(RateTable, verbose_name="党费标准", on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField("生成时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "应缴党费"
        verbose_name_plural = "应缴党费"
        ordering = ["month", "unit", "person"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="dues_due_once_per_member_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="dues_due_not_negative"),
        ]
        # updated_at's index served the change stamps of a summary cache since removed: drop it with
        # the next migration of this app
        indexes = [models.Index(fields=["unit", "month"]), models.Index(fields=["month"]),
                   models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return f"{self.person} {self.month:%Y-%m} {self.amount}"


class PaymentMethod(models.TextChoices):
    CASH = "现金", "现金"
    TRANSFER = "转账", "转账"
    WECHAT = "微信", "微信"
    ALIPAY = "支付宝", "支付宝"
    OTHER = "其他", "其他"


class PaymentKind(models.TextChoices):
    REGULAR = "regular", "党费"
    VOLUNTARY = "voluntary", "自愿多交"


class Receipt(models.Model):
    """收据: one number for what a member handed over at once (a month, a quarter, a 补交)."""

    number = models.CharField("收据编号", max_length=40, unique=True)
    person = models.ForeignKey(Person, verbose_name="缴纳人", on_delete=models.PROTECT, related_name="dues_receipts")
    unit = models.ForeignKey(OrgUnit, verbose_name="收款党支部", on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField("开具日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # The one-time token of the form that recorded it: the same form submitted again (a double
    # click, a reload) finds it and records nothing (dues.services.AlreadyRecorded).
    submit_token = models.UUIDField("提交标识", null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "党费收据"
        verbose_name_plural = "党费收据"
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class Payment(Voidable):
    """实缴: money a member paid for one month. Voided with a reason, never deleted. A month is paid
    in one payment, or topped up (补足) by further instalments up to the amount due: the database
    holds at most one live (not voided) 党费 payment per member, month and instalment, so two
    people recording the same month (or the same top-up) at once cannot both succeed."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="dues_payments")
    month = models.DateField("所属月份")  # the 1st of the month paid for
    unit = models.ForeignKey(OrgUnit, verbose_name="收款党支部", on_delete=models.PROTECT, related_name="dues_payments")
    kind = models.CharField("类型", max_length=10, choices=PaymentKind.choices, default=PaymentKind.REGULAR)
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    paid_on = models.DateField("缴纳日期")
    method = models.CharField("方式", max_length=8, choices=PaymentMethod.choices, default=PaymentMethod.CASH)
    note = models.CharField("备注", max_length=200, blank=True)
    receipt = models.ForeignKey(Receipt, verbose_name="收据", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="payments")
    months_late = models.SmallIntegerField("补交月数", default=0, help_text="缴纳月份晚于所属月份的月数；负数为预缴。")
    instalment = models.PositiveSmallIntegerField("第几笔", default=1,
                                                  help_text="1为当月缴纳；补足未缴足的金额时为2、3……")
    remit_to_centre = models.BooleanField("全额上缴中央", default=False,
                                          help_text="一次性自愿缴纳1000元以上的党费，全额上缴中央。")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费缴纳"
        verbose_name_plural = "党费缴纳"
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "month", "instalment"], condition=Q(voided_at__isnull=True, kind="regular"),
                name="payment_one_live_per_member_month_instalment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""), name="payment_void_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["person", "month"]), models.Index(fields=["unit", "month"])]

    def __str__(self) -> str:
        return f"{self.person} {self.month:%Y-%m} {self.amount}"

    @property
    def is_top_up(self) -> bool:
        return self.instalment > 1

    @property
    def is_back_payment(self) -> bool:
        return self.months_late > 0

    @property
    def is_prepayment(self) -> bool:
        return self.months_late < 0


class Remittance(Voidable):
    """上交: money a branch passed up to the committee for a month or a quarter."""

    unit = models.ForeignKey(OrgUnit, verbose_name="党支部", on_delete=models.PROTECT, related_name="remittances")
    period = models.CharField("所属期间", max_length=8, help_text="月份 2026-07 或季度 2026Q3")
    amount = models.DecimalField("上交金额（元）", max_digits=12, decimal_places=2)
    remitted_on = models.DateField("上交日期")
    to_centre = models.DecimalField("其中上缴中央（元）", max_digits=12, decimal_places=2, default=0)
    reference = models.CharField("凭证号", max_length=60, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费上交"
        verbose_name_plural = "党费上交"
        ordering = ["-remitted_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_amount_positive"),
            models.CheckConstraint(condition=Q(to_centre__gte=0), name="remittance_centre_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period} {self.amount}"


class ArrearsCase(models.Model):
    """A member unpaid for 6 consecutive months: the branch must handle it (党章第九条). The portal
    records the case and how the branch handled it; it never removes anyone by itself."""

    class State(models.TextChoices):
        OPEN = "open", "待处理"
        GOOD_REASON = "reason", "有正当理由，继续教育"
        SUBMITTED = "submitted", "已提交支部大会按自行脱党处理"
        RESOLVED = "resolved", "已补缴"

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="arrears_cases")
    unit = models.ForeignKey(OrgUnit, verbose_name="党支部", on_delete=models.PROTECT, related_name="arrears_cases")
    first_month = models.DateField("欠缴起始月份")
    months = models.PositiveSmallIntegerField("连续欠缴月数")
    state = models.CharField("处理状态", max_length=10, choices=State.choices, default=State.OPEN)
    handling = models.TextField("处理情况", blank=True)
    opened_on = models.DateField("发现日期")
    handled_on = models.DateField("处理日期", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "欠缴党费案例"
        verbose_name_plural = "欠缴党费案例"
        ordering = ["-opened_on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "first_month"], name="arrears_case_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.person} 自{self.first_month:%Y-%m}连续欠缴{self.months}个月"


# ---------------------------------------------------------------------------------------------
# Points (积分): dated schemes, a monthly sheet per branch with its workflow, entries, objections.


class PointsScheme(DatedRule):
    """A points scheme in force from ``effective_from`` (a year is scored under the scheme in
    force on its 1 January)."""

    name = models.CharField("名称", max_length=100)
    effective_from = models.DateField("生效日期", unique=True)
    base_points = models.DecimalField("年初基础分", max_digits=6, decimal_places=1, default=60)
    publication_days = models.PositiveSmallIntegerField("公示期（工作日）", default=5)
    stars = models.JSONField(
        "星级标准", default=list,
        help_text="[[最低分, 星数], …]，如 [[96,5],[90,4],[80,3],[70,2],[60,1]]；低于最低一档为预警。",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "积分方案"
        verbose_name_plural = "积分方案"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（自{self.effective_from:%Y-%m-%d}）"


class PointsCategory(models.TextChoices):
    BASIC = "基础", "基础"
    REWARD = "奖励", "奖励"
    DEDUCTION = "扣分", "扣分"


class PointsSource(models.TextChoices):
    MANUAL = "manual", "支部录入"
    ATTENDANCE = "attendance", "会议出席（自动）"
    ABSENCE = "absence", "无故缺席（自动）"
    MAKEUP = "makeup", "完成补学（自动）"
    LATE_DUES = "late_dues", "逾期缴纳党费（自动）"


AUTOMATIC_SOURCES = (PointsSource.ATTENDANCE, PointsSource.ABSENCE, PointsSource.MAKEUP, PointsSource.LATE_DUES)


class PointsItem(models.Model):
    """One scoring item of a scheme. ``points`` is the default per occurrence; manual items may be
    scored between ``min_points`` and ``max_points``; ``year_cap`` limits the item's yearly sum;
    ``veto`` (一票否决) sets the year's total to 0."""

    scheme = models.ForeignKey(PointsScheme, verbose_name="积分方案", on_delete=models.CASCADE, related_name="items")
    code = models.SlugField("代码", max_length=30)
    name = models.CharField("项目", max_length=50)
    category = models.CharField("类别", max_length=4, choices=PointsCategory.choices)
    source = models.CharField("来源", max_length=12, choices=PointsSource.choices, default=PointsSource.MANUAL)
    points = models.DecimalField("分值", max_digits=5, decimal_places=1)
    min_points = models.DecimalField("最低分值", max_digits=5, decimal_places=1, null=True, blank=True)
    max_points = models.DecimalField("最高分值", max_digits=5, decimal_places=1, null=True, blank=True)
    year_cap = models.DecimalField("全年上限", max_digits=6, decimal_places=1, null=True, blank=True)
    veto = models.BooleanField("一票否决", default=False)
    order = models.PositiveSmallIntegerField("排序", default=0)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "积分项目"
        verbose_name_plural = "积分项目"
        ordering = ["scheme", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="points_item_code_unique")]

    def __str__(self) -> str:
        return self.name


class PointsSheet(models.Model):
    """A branch's points for one month and where they stand in 自评 → 支部评定 → 公示 → 确认."""

    class State(models.TextChoices):
        SELF = "self", "党员自评"
        REVIEW = "review", "支部评定"
        PUBLIC = "public", "公示中"
        CONFIRMED = "confirmed", "已确认"

    unit = models.ForeignKey(OrgUnit, verbose_name="党支部", on_delete=models.PROTECT, related_name="points_sheets")
    month = models.DateField("月份")
    scheme = models.ForeignKey(PointsScheme, verbose_name="积分方案", on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.SELF)
    published_on = models.DateField("公示开始", null=True, blank=True)
    publication_ends_on = models.DateField("公示截止", null=True, blank=True)
    confirmed_on = models.DateField("确认日期", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # 支部评定 or 公示 before the month ended (提前评定): why; empty when done once the month was over.
    early_reason = models.CharField("提前评定原因", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "月度积分"
        verbose_name_plural = "月度积分"
        ordering = ["-month", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="points_sheet_once_per_unit_month"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m} 积分"

    @property
    def is_locked(self) -> bool:
        return self.state in (self.State.PUBLIC, self.State.CONFIRMED)


class PointsEntry(models.Model):
    """One scored item for one member in a month's sheet."""

    sheet = models.ForeignKey(PointsSheet, verbose_name="月度积分", on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="points_entries")
    item = models.ForeignKey(PointsItem, verbose_name="项目", on_delete=models.PROTECT, related_name="entries")
    count = models.PositiveSmallIntegerField("次数", default=1)
    points = models.DecimalField("得分", max_digits=6, decimal_places=1)
    note = models.CharField("说明", max_length=200, blank=True)
    self_reported = models.BooleanField("党员自评", default=False)
    automatic = models.BooleanField("自动计算", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "积分明细"
        verbose_name_plural = "积分明细"
        ordering = ["sheet", "person", "item__order", "id"]
        constraints = [
            # an automatic item appears once per member and month (recomputing replaces it)
            models.UniqueConstraint(fields=["sheet", "person", "item"], condition=Q(automatic=True),
                                    name="points_entry_automatic_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.item} {self.points}"


class PointsObjection(models.Model):
    """异议 raised during 公示, and how the branch answered it."""

    sheet = models.ForeignKey(PointsSheet, verbose_name="月度积分", on_delete=models.CASCADE, related_name="objections")
    person = models.ForeignKey(Person, verbose_name="提出人", on_delete=models.PROTECT, related_name="+")
    concerning = models.ForeignKey(Person, verbose_name="涉及党员", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    text = models.TextField("异议内容")
    raised_on = models.DateField("提出日期")
    answer = models.TextField("处理结果", blank=True)
    answered_on = models.DateField("处理日期", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["sheet", "raised_on", "id"]

    def __str__(self) -> str:
        return f"{self.person}：{self.text[:20]}"
