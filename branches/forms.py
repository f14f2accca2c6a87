"""Forms for the organisation pages, and the helper every app uses to show service errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from .models import ALLOWED_PARENTS, COMMITTEE_ROLES, OfficerRole, OrgUnit, UnitKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: under the field it names, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name", "kind", "founded_on", "is_community"]
        widgets = {"founded_on": DateInput()}

    def __init__(self, *args: Any, parent: OrgUnit | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.instance.parent = parent  # the model's clean() checks the kind against its parent
        parent_kind = parent.kind if parent else None
        allowed = [(value, label) for value, label in UnitKind.choices if parent_kind in ALLOWED_PARENTS[value]]
        self.fields["kind"].choices = allowed
        if self.instance.pk:
            self.fields["kind"].disabled = True

    def _update_errors(self, errors: ValidationError) -> None:
        """The model's clean() names ``parent``, a field this form does not show: report it on top
        of the form, or drop it when the 类型 itself was refused (it is what the message is about)."""
        if hasattr(errors, "error_dict") and "parent" in errors.error_dict:
            parent_errors = errors.error_dict.pop("parent")
            if "kind" not in self._errors:
                errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(parent_errors)
        super()._update_errors(errors)


class OfficerForm(forms.Form):
    person = forms.ModelChoiceField(label="姓名", queryset=None)
    role = forms.ChoiceField(label="职务")
    started_on = forms.DateField(label="任职日期", widget=DateInput())

    def __init__(self, *args: Any, unit: OrgUnit, people: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        if unit.kind == UnitKind.GROUP:
            roles = [OfficerRole.GROUP_LEADER]
        else:
            roles = list(COMMITTEE_ROLES)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]


class OfficerEndForm(forms.Form):
    ended_on = forms.DateField(label="离任日期", widget=DateInput())
    reason = forms.CharField(label="离任原因", max_length=200, required=False)


class TermForm(forms.Form):
    started_on = forms.DateField(label="换届日期", widget=DateInput(),
                                 help_text="本次换届选举的日期，任期届满日期按任期规则计算。")
    note = forms.CharField(label="备注", max_length=200, required=False)


class ArchiveForm(forms.Form):
    archived_on = forms.DateField(label="撤销日期", widget=DateInput())
    reason = forms.CharField(label="撤销原因", max_length=200)
