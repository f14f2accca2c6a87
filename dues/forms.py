"""Forms for the dues and points pages."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from branches.forms import DateInput

from .models import ArrearsCase, DuesCategory, PaymentMethod, PointsItem
from .rates import MAX_PAYMENT, MAX_REMITTANCE


class SheetForm(forms.Form):
    paid_on = forms.DateField(label="缴纳日期", widget=DateInput(attrs={"class": "form-control form-control-sm"}))
    method = forms.ChoiceField(label="方式", choices=PaymentMethod.choices,
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))


STALE_FORM = "页面已过期，请刷新页面后重新填写。"


class OneTimeForm(forms.Form):
    """A payment form: it carries a one-time token, new each time the page is drawn, that the
    service records on the receipt, so the same form submitted twice records once."""

    submit_token = forms.UUIDField(widget=forms.HiddenInput,
                                   error_messages={"required": STALE_FORM, "invalid": STALE_FORM})

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submit_token", uuid.uuid4())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.has_error("submit_token"):  # a hidden field's error would show nowhere: say it on the form
            self.add_error(None, STALE_FORM)
            self.data = self.data.copy()  # and draw the form again with a token of its own
            self.data[self.add_prefix("submit_token")] = str(uuid.uuid4())
        return cleaned


class PayMonthsForm(OneTimeForm):
    months = forms.MultipleChoiceField(
        label="缴纳月份", widget=forms.CheckboxSelectMultiple,
        # the usual cause: someone else recorded that month since this page was opened
        error_messages={"invalid_choice": "%(value)s的党费已登记缴纳或无需缴纳（可能已由他人登记），请刷新页面后核对。"},
    )
    paid_on = forms.DateField(label="缴纳日期", widget=DateInput())
    method = forms.ChoiceField(label="方式", choices=PaymentMethod.choices)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, months: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = months


class BaseChangeForm(forms.Form):
    effective_month = forms.CharField(label="起始月份", max_length=7, widget=forms.TextInput(attrs={"type": "month"}),
                                      help_text="新工资（离退休费）发放的月份")
    category = forms.ChoiceField(label="党费类别", choices=DuesCategory.choices)
    base = forms.DecimalField(label="月基数（元）", required=False, min_value=0, max_digits=10, decimal_places=2,
                              help_text="在职、离退休填写")
    amount = forms.DecimalField(label="核定月缴金额（元）", required=False, min_value=0, max_digits=8,
                                decimal_places=2, help_text="农民（0.20–1.00元）、困难减免填写")
    approval_ref = forms.CharField(label="审批文号", max_length=100, required=False, help_text="困难减免必填")
    note = forms.CharField(label="说明", max_length=200, required=False)


class VoluntaryForm(OneTimeForm):
    amount = forms.DecimalField(label="金额（元）", min_value=0.01, max_value=MAX_PAYMENT, max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label="缴纳日期", widget=DateInput())
    method = forms.ChoiceField(label="方式", choices=PaymentMethod.choices)
    note = forms.CharField(label="备注", max_length=200, required=False)


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=200)


class RemittanceForm(forms.Form):
    period = forms.CharField(label="所属期间", max_length=8, help_text="月份 2026-07 或季度 2026Q3")
    amount = forms.DecimalField(label="上交金额（元）", min_value=0.01, max_value=MAX_REMITTANCE, max_digits=12,
                                decimal_places=2)
    to_centre = forms.DecimalField(label="其中上缴中央（元）", min_value=0, max_value=MAX_REMITTANCE, max_digits=12,
                                   decimal_places=2, required=False)
    remitted_on = forms.DateField(label="上交日期", widget=DateInput())
    reference = forms.CharField(label="凭证号", max_length=60, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)


class CaseForm(forms.Form):
    state = forms.ChoiceField(label="处理结果", choices=[c for c in ArrearsCase.State.choices if c[0] != "open"])
    handling = forms.CharField(label="处理情况", widget=forms.Textarea(attrs={"rows": 3}))


class EntryForm(forms.Form):
    person = forms.TypedChoiceField(label="党员", coerce=int)
    item = forms.ModelChoiceField(label="项目", queryset=PointsItem.objects.none())
    points = forms.DecimalField(label="每次分值", required=False, max_digits=5, decimal_places=1,
                                help_text="留空按项目分值")
    count = forms.IntegerField(label="次数", min_value=1, max_value=31, initial=1)
    note = forms.CharField(label="说明", max_length=200)
    self_reported = forms.BooleanField(label="党员自评申报", required=False)

    def __init__(self, *args: Any, people: list[Any], items: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, p.name) for p in people]
        self.fields["item"].queryset = items


class ObjectionForm(forms.Form):
    person = forms.TypedChoiceField(label="提出人", coerce=int)
    concerning = forms.TypedChoiceField(label="涉及党员", coerce=int, required=False, empty_value=None)
    text = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 2}))
    raised_on = forms.DateField(label="提出日期", widget=DateInput())

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(p.pk, p.name) for p in people]
        self.fields["person"].choices = choices
        self.fields["concerning"].choices = [("", "—"), *choices]


class AnswerForm(forms.Form):
    answer = forms.CharField(label="处理结果", widget=forms.Textarea(attrs={"rows": 2}))
