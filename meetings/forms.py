"""Forms of the meeting pages; the services do the checking."""

from __future__ import annotations

from typing import Any

from django import forms

from branches.forms import DateInput
from branches.models import COMMITTEE_ROLES, UnitKind
from members.models import PARTY_MEMBER_STATUSES, Membership, Person

from .models import AttachmentKind, Meeting, MeetingKind, MotionKind, RuleCounts, RulePeriod, RuleScope


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%H:%M", **kwargs)


class MeetingForm(forms.ModelForm):
    # The record's version when the form was opened (optimistic locking, see services.meeting_update).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Meeting
        fields = ["unit", "kind", "also_lecture", "also_general", "date", "start_time", "end_time", "place", "topic",
                  "host", "recorder", "lecturer", "lecturer_role", "agenda", "minutes", "resolutions"]
        widgets = {
            "date": DateInput(), "start_time": TimeInput(), "end_time": TimeInput(),
            "agenda": forms.Textarea(attrs={"rows": 3}), "minutes": forms.Textarea(attrs={"rows": 6}),
            "resolutions": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"also_lecture": "主题党日同时开展党课时勾选，计入党课次数。",
                      "also_general": "主题党日同时召开党员大会时勾选，计入党员大会次数，可进行表决。"}

    def __init__(self, *args: Any, units: Any = None, lock_unit: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: f"{u.name}（{u.get_kind_display()}）"
        self.fields["unit"].empty_label = "请选择党支部或党小组"
        self.fields["kind"].choices = [("", "请选择会议类型"), *MeetingKind.choices]
        if lock_unit:
            self.fields["unit"].disabled = True
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        unit, kind = data.get("unit"), data.get("kind")
        if unit and kind:
            if kind == MeetingKind.GROUP and unit.kind != UnitKind.GROUP:
                self.add_error("unit", "党小组会请选择党小组。")
            if kind != MeetingKind.GROUP and unit.kind == UnitKind.GROUP:
                self.add_error("kind", "党小组只召开党小组会。")
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("unit", None)
        data.pop("version", None)
        return data

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")


class AmendForm(MeetingForm):
    reason = forms.CharField(label="更正原因", max_length=300, help_text="更正会保留原记录内容，并记录更正人和时间。")

    def service_fields(self) -> dict[str, Any]:
        data = super().service_fields()
        data.pop("reason", None)
        return data


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=200)


class VoteForm(forms.Form):
    motion_kind = forms.ChoiceField(label="表决事项", choices=MotionKind.choices)
    motion = forms.CharField(label="议题", max_length=200)
    subject = forms.ModelChoiceField(label="涉及人员", queryset=None, required=False, empty_label="（无）",
                                     help_text="接收预备党员、转正、除名等事项涉及的人员。接收预备党员须为已记录"
                                               "支委会审查、上级党委预审、填写入党志愿书的发展对象；表决通过后自动记入其发展台账。")
    present = forms.IntegerField(label="实到有表决权党员", min_value=0, required=False,
                                 help_text="留空时按出勤登记中“出席”的正式党员计算。")
    votes_for = forms.IntegerField(label="赞成", min_value=0)
    votes_against = forms.IntegerField(label="反对", min_value=0, initial=0)
    abstentions = forms.IntegerField(label="弃权", min_value=0, initial=0)
    declared_passed = forms.TypedChoiceField(
        label="表决结果", choices=[("", "由系统按规则判定"), ("1", "通过")], required=False,
        coerce=lambda v: v == "1", empty_value=None,
        help_text="到会须超过应到有表决权党员的半数，赞成票须超过应到有表决权党员的半数（恰好半数不足）。",
    )

    def __init__(self, *args: Any, branch: Any, day: Any, amend: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Person.objects.filter(
            memberships__in=Membership.objects.active_on(day).filter(unit=branch)).distinct().order_by("pinyin")
        if amend:  # the meeting is confirmed: a vote added now is an amendment, with its reason
            self.fields["amend_reason"] = amend_reason_field()


def amend_reason_field() -> forms.CharField:
    """更正原因, on a form that changes a confirmed meeting outside the meeting form."""
    return forms.CharField(label="更正原因", max_length=300,
                           help_text="会议记录已确认：补记的内容作为更正记录保留，并记录更正人和时间。")


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=AttachmentKind.choices)
    file = forms.FileField(label="文件", help_text="PDF、JPG、PNG（签到表可用 XLSX），单个不超过10MB。")


class MakeupForm(forms.Form):
    on = forms.DateField(label="补学日期", widget=DateInput())
    note = forms.CharField(label="补学说明", max_length=200, required=False)


class TalkForm(forms.Form):
    date = forms.DateField(label="谈话日期", widget=DateInput())
    officer = forms.ModelChoiceField(label="谈话人（支委）", queryset=None, empty_label="请选择")
    member = forms.ModelChoiceField(label="谈话对象", queryset=None, empty_label="请选择")
    summary = forms.CharField(label="谈话要点", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, unit: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = Person.objects.filter(
            offices__unit=unit, offices__role__in=COMMITTEE_ROLES, offices__ended_on__isnull=True).distinct()
        self.fields["member"].queryset = Person.objects.filter(
            memberships__unit=unit, memberships__ended_on__isnull=True, status__in=PARTY_MEMBER_STATUSES).distinct()


class LocalRuleForm(forms.Form):
    name = forms.CharField(label="名称", max_length=60, help_text="如：统一活动日")
    code = forms.SlugField(label="规则代码", max_length=40,
                           help_text="英文字母、数字和连字符，如 unified-day；与默认规则同代码时取代默认规则。")
    counts = forms.ChoiceField(label="统计对象")
    applies_to = forms.ChoiceField(label="适用组织")
    min_count = forms.IntegerField(label="至少次数", min_value=1, initial=1)
    period = forms.ChoiceField(label="周期")
    weekday = forms.TypedChoiceField(label="限定星期", required=False, coerce=int, empty_value=None,
                                     choices=[("", "不限"), *[(i, f"星期{'一二三四五六日'[i]}") for i in range(7)]])
    week_of_month = forms.TypedChoiceField(label="限定第几个", required=False, coerce=int, empty_value=None,
                                           choices=[("", "不限"), *[(i, f"第{i}个") for i in range(1, 6)]])
    effective_from = forms.DateField(label="生效日期", widget=DateInput())
    source = forms.CharField(label="依据", max_length=300, help_text="如：机关党委〔2026〕5号通知")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["counts"].choices = RuleCounts.choices
        self.fields["applies_to"].choices = RuleScope.choices
        self.fields["period"].choices = RulePeriod.choices


class RuleEndForm(forms.Form):
    effective_to = forms.DateField(label="失效日期", widget=DateInput())
