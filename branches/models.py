"""The organisation tree, officers and terms, account roles, rule tables and notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class UnitKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general", "党总支"
    BRANCH = "branch", "党支部"
    GROUP = "group", "党小组"


# Which kinds may sit directly under which (None = top of the tree).
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    UnitKind.COMMITTEE: (None, UnitKind.COMMITTEE),
    UnitKind.GENERAL_BRANCH: (UnitKind.COMMITTEE,),
    UnitKind.BRANCH: (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH),
    UnitKind.GROUP: (UnitKind.BRANCH,),
}


def in_subtree(unit: OrgUnit | str, via: str = "") -> Q:
    """The condition "in ``unit``'s subtree" (the unit itself and everything under it; a unit or
    its path) for a query over units (``via=""``) or over rows that reach a unit through ``via``
    (``"unit"``, ``"meeting__unit"`` …): one indexed prefix filter on the materialised path. The
    one place that knows how a subtree is stored."""
    path = unit if isinstance(unit, str) else unit.path
    return Q(**{f"{via}__path__startswith" if via else "path__startswith": path})


def path_within(path: str, ancestor_path: str) -> bool:
    """:func:`in_subtree` for paths already read: whether ``path`` is ``ancestor_path`` or under it."""
    return path.startswith(ancestor_path)


class OrgUnitQuerySet(models.QuerySet):
    def active(self) -> OrgUnitQuerySet:
        return self.filter(archived_on__isnull=True)

    def subtree(self, unit: OrgUnit) -> OrgUnitQuerySet:
        return self.filter(in_subtree(unit))

    def branches(self) -> OrgUnitQuerySet:
        return self.filter(kind=UnitKind.BRANCH)


class OrgUnit(models.Model):
    """A 党委, 党总支, 党支部 or 党小组.

    ``path`` is a materialised path of ids (``/1/5/23/``) so that "everything under X" is one
    indexed prefix filter; services keep it in step with ``parent``.
    """

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级组织", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    is_community = models.BooleanField(
        "村/社区党组织", default=False, help_text="村、社区党组织的支委会任期为5年。"
    )
    archived_on = models.DateField("撤销日期", null=True, blank=True)
    archive_reason = models.CharField("撤销原因", max_length=200, blank=True)

    history = HistoricalRecords()
    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind == UnitKind.BRANCH

    @property
    def is_group(self) -> bool:
        return self.kind == UnitKind.GROUP

    @property
    def is_committee_level(self) -> bool:
        return self.kind in (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    def clean(self) -> None:
        parent_kind = self.parent.kind if self.parent_id else None
        allowed = ALLOWED_PARENTS.get(self.kind, ())
        if parent_kind not in allowed:
            if parent_kind is None:
                raise ValidationError({"parent": f"{self.get_kind_display()}必须有上级组织。"})
            raise ValidationError(
                {"parent": f"{self.get_kind_display()}不能设在{self.parent.get_kind_display()}之下。"}
            )
        if self.pk and self.parent_id and f"/{self.pk}/" in (self.parent.path or ""):
            raise ValidationError({"parent": "上级组织不能是本组织或其下级。"})


class OfficerRole(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY = "deputy", "副书记"
    ORGANISATION = "organisation", "组织委员"
    PUBLICITY = "publicity", "宣传委员"
    DISCIPLINE = "discipline", "纪检委员"
    GROUP_LEADER = "group_leader", "党小组长"


COMMITTEE_ROLES = (
    OfficerRole.SECRETARY, OfficerRole.DEPUTY, OfficerRole.ORGANISATION,
    OfficerRole.PUBLICITY, OfficerRole.DISCIPLINE,
)


class OfficerQuerySet(models.QuerySet):
    def in_office_on(self, day: dt.date) -> OfficerQuerySet:
        """Officers holding office on ``day``: appointed on or before it and not yet left (the
        successor's first day is the predecessor's ``ended_on``, as with memberships)."""
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day), started_on__lte=day)


class Officer(models.Model):
    """A person holding an office in a unit for a time (书记, 委员, 党小组长): from ``started_on``
    until the day before ``ended_on``."""

    unit = models.ForeignKey(OrgUnit, verbose_name="党组织", on_delete=models.PROTECT, related_name="officers")
    person = models.ForeignKey(
        "members.Person", verbose_name="姓名", on_delete=models.PROTECT, related_name="offices"
    )
    role = models.CharField("职务", max_length=16, choices=OfficerRole.choices)
    started_on = models.DateField("任职日期")
    ended_on = models.DateField("离任日期", null=True, blank=True)
    end_reason = models.CharField("离任原因", max_length=200, blank=True)

    history = HistoricalRecords()
    objects = OfficerQuerySet.as_manager()

    class Meta:
        verbose_name = "委员"
        verbose_name_plural = "委员"
        ordering = ["unit", "role", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="officer_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_role_display()} {self.person}"

    def in_office_on(self, day: dt.date) -> bool:
        """:meth:`OfficerQuerySet.in_office_on` for an officer already read."""
        return self.started_on <= day and (self.ended_on is None or self.ended_on > day)


def rule_in_force(rule: Any, day: dt.date) -> bool:
    """Whether ``rule`` (anything with ``effective_from`` and ``effective_to``) is in force on
    ``day``: the Python form of :meth:`DatedRuleQuerySet.in_force`."""
    return rule.effective_from <= day and (rule.effective_to is None or rule.effective_to >= day)


class DatedRuleQuerySet(models.QuerySet):
    def in_force(self, on: dt.date) -> DatedRuleQuerySet:
        """The rules in force on ``on``, the newest first (``.first()`` is the one that applies)."""
        return self.filter(effective_from__lte=on).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=on)).order_by("-effective_from")

    def in_force_during(self, start: dt.date, end: dt.date) -> DatedRuleQuerySet:
        """The rules in force on at least one day from ``start`` to ``end``."""
        return self.filter(effective_from__lte=end).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))


class DatedRule(models.Model):
    """A rule that is data (domain-rules.md, design.md "Rules are data"): in force from
    ``effective_from`` until ``effective_to`` (open when empty), with the regulation it comes
    from. A change of rule is a new row, so the past is judged by the rule of its day."""

    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    source = models.CharField("依据", max_length=300)

    objects = DatedRuleQuerySet.as_manager()

    class Meta:
        abstract = True

    def in_force_on(self, day: dt.date) -> bool:
        return rule_in_force(self, day)

    def in_force_between(self, start: dt.date, end: dt.date) -> bool:
        return self.effective_from <= end and (self.effective_to is None or self.effective_to >= start)

    def date_errors(self) -> dict[str, str]:
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            return {"effective_to": "失效日期早于生效日期。"}
        return {}

    def clean(self) -> None:
        if errors := self.date_errors():
            raise ValidationError(errors)


class Voidable(models.Model):
    """A record that reports count: corrected by voiding it with a reason, never deleted. It
    stays, marked, with who voided it and when (``branches.services.record_void``)."""

    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作废人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class TermRule(DatedRule):
    """How long a 支委会/总支/党委 term lasts; dated so a change of rule never rewrites the past."""

    unit_kind = models.CharField("组织类型", max_length=16, choices=UnitKind.choices)
    community = models.BooleanField("村/社区", default=False)
    years = models.PositiveSmallIntegerField("任期（年）")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "任期规则"
        verbose_name_plural = "任期规则"
        ordering = ["unit_kind", "community", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.get_unit_kind_display()}{'（村/社区）' if self.community else ''} {self.years}年"


class Term(models.Model):
    """One elected term (届) of a unit's committee: 换届 opens a new one."""

    unit = models.ForeignKey(OrgUnit, verbose_name="党组织", on_delete=models.PROTECT, related_name="terms")
    started_on = models.DateField("换届日期")
    ends_on = models.DateField("任期届满日期")
    note = models.CharField("备注", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "届次"
        verbose_name_plural = "届次"
        ordering = ["unit", "-started_on"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "started_on"], name="term_unique_start"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("started_on")), name="term_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.started_on}–{self.ends_on}"


class RoleKind(models.TextChoices):
    SECRETARY = "secretary", "支部书记"
    ORGANISER = "organiser", "组织委员"
    STAFF = "staff", "党委工作人员"
    VIEWER = "viewer", "只读"


EDITOR_ROLES = (RoleKind.SECRETARY, RoleKind.ORGANISER)


class Role(models.Model):
    """An account's role on a unit: it reaches that unit and everything under it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="zhibu_roles")
    unit = models.ForeignKey(OrgUnit, verbose_name="党组织", on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField("角色", max_length=16, choices=RoleKind.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "账号角色"
        verbose_name_plural = "账号角色"
        constraints = [models.UniqueConstraint(fields=["user", "unit", "kind"], name="role_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_kind_display()}"


class Notification(models.Model):
    """An in-app message. ``key`` makes reminders idempotent (one per user, subject and period)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]  # the newest first, also among those of the same moment
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_unique_key")]

    def __str__(self) -> str:
        return self.title


def today() -> dt.date:
    """Local date in Asia/Shanghai (``date.today()`` would follow the server's zone)."""
    return timezone.localdate()
