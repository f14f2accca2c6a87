"""党费 and 积分 ledgers. The foundation holds each member's dues category and base with the month
it applies from; the ledgers themselves build on it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

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
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.category} {self.base or ''} 自{self.effective_from:%Y-%m}"
