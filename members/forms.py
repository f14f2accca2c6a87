"""Forms for people, transfers, exits and development steps."""

from __future__ import annotations

from typing import Any

from django import forms

from branches.forms import DateInput
from branches.models import OrgUnit, UnitKind

from . import idnumbers
from .development import STEPS
from .models import EXIT_KINDS, Person, RecognitionKind, Status


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "name", "id_number", "gender", "ethnicity", "birth_date", "education", "position", "phone", "status",
            "applied_on", "activist_on", "candidate_on", "probationary_on", "full_on", "probation_extension_months",
        ]
        widgets = {name: DateInput() for name in
                   ("birth_date", "applied_on", "activist_on", "candidate_on", "probationary_on", "full_on")}
        help_texts = {"birth_date": "留空时按公民身份号码填写", "gender": "留空时按公民身份号码填写"}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["gender"].required = False
        self.fields["birth_date"].required = False
        if not self.instance.pk:
            del self.fields["probation_extension_months"]

    def clean_id_number(self) -> str:
        """Checked here too, so a bad number is reported with the other mistakes in one round."""
        number = idnumbers.normalise(self.cleaned_data.get("id_number") or "")
        try:
            idnumbers.parse(number)
        except idnumbers.IdNumberError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return number

    def _post_clean(self) -> None:
        """Model validation happens in the service: one set of rules for forms and imports."""


class PlacementForm(forms.Form):
    unit = forms.ModelChoiceField(label="所在党支部", queryset=OrgUnit.objects.none())
    group = forms.ModelChoiceField(label="党小组", queryset=OrgUnit.objects.none(), required=False)
    joined_on = forms.DateField(label="加入本组织日期", widget=DateInput(), required=False,
                                help_text="留空时取申请入党日期或今天")

    def __init__(self, *args: Any, units: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.filter(kind=UnitKind.BRANCH, archived_on__isnull=True)
        self.fields["group"].queryset = units.filter(kind=UnitKind.GROUP, archived_on__isnull=True)
        self.fields["group"].label_from_instance = lambda g: f"{g.parent.name} · {g.name}"
        branches = list(self.fields["unit"].queryset[:2])
        if len(branches) == 1:  # a secretary of one branch: nothing to choose
            self.initial.setdefault("unit", branches[0].pk)


class TransferOutForm(forms.Form):
    date = forms.DateField(label="转出日期", widget=DateInput())
    to_unit = forms.ModelChoiceField(label="转入本系统内的党支部", queryset=OrgUnit.objects.none(), required=False,
                                     help_text="系统内转接时选择；转往系统外时留空并填写下一项")
    external_org = forms.CharField(label="系统外接收党组织", max_length=200, required=False)
    letter_number = forms.CharField(label="介绍信编号", max_length=50, required=False)
    reason = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = OrgUnit.objects.filter(kind=UnitKind.BRANCH, archived_on__isnull=True)
        self.fields["to_unit"].label_from_instance = lambda unit: f"{unit.name}（{unit.code}）"


class TransferInForm(forms.Form):
    date = forms.DateField(label="转入日期", widget=DateInput())
    unit = forms.ModelChoiceField(label="转入党支部", queryset=OrgUnit.objects.none())
    external_org = forms.CharField(label="原所在党组织", max_length=200, required=False)
    letter_number = forms.CharField(label="介绍信编号", max_length=50, required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.filter(kind=UnitKind.BRANCH, archived_on__isnull=True)


class GroupChangeForm(forms.Form):
    group = forms.ModelChoiceField(label="新党小组", queryset=OrgUnit.objects.none(), required=False,
                                   help_text="留空表示不编入党小组")
    date = forms.DateField(label="调整日期", widget=DateInput())

    def __init__(self, *args: Any, branch: OrgUnit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = OrgUnit.objects.filter(parent=branch, kind=UnitKind.GROUP,
                                                               archived_on__isnull=True)


class ExitForm(forms.Form):
    kind = forms.ChoiceField(label="事项", choices=[(kind.value, kind.label) for kind in EXIT_KINDS])
    date = forms.DateField(label="日期", widget=DateInput())
    reason = forms.CharField(label="依据或说明", max_length=300,
                             help_text="如支部大会决议、上级党委批复文号")


class StepForm(forms.Form):
    step = forms.TypedChoiceField(label="步骤", coerce=int,
                                  choices=[(number, f"{number}. {label}") for number, label in STEPS.items()])
    done_on = forms.DateField(label="完成日期", widget=DateInput())
    hours = forms.IntegerField(label="培训学时", min_value=0, max_value=999, required=False,
                               help_text="第11步集中培训填写：不少于3天或24学时")
    days = forms.IntegerField(label="培训天数", min_value=0, max_value=99, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)


STATUS_FILTER_CHOICES = [("", "全部类别"), *Status.choices]


class RecognitionForm(forms.Form):
    kind = forms.ChoiceField(label="类别")
    person = forms.ModelChoiceField(label="党员", queryset=Person.objects.none(), required=False,
                                    help_text="先进基层党组织不选")
    date = forms.DateField(label="日期", widget=DateInput())
    granted_by = forms.CharField(label="授予/组织单位", max_length=100, required=False)
    amount = forms.DecimalField(label="慰问金额（元）", max_digits=10, decimal_places=2, min_value=0, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = RecognitionKind.choices
        self.fields["person"].queryset = people
