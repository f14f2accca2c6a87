"""Work reports: figures linked to their records, the narrative editor, Word as a background job; the 工作要点 (任务清单)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches.facts import units_on
from branches.forms import DateInput, add_service_errors
from branches.models import OrgUnit, UnitKind, today
from branches.periods import Period, period_from

from .. import services
from ..models import Job, PlanStatus, ReportDraft, WorkPlanItem
from ..workreport import FIGURES, Scope, build, sentences
from ..workreport_docx import default_opening, draft_for, next_steps_heading, plan_items


class DraftForm(forms.ModelForm):
    class Meta:
        model = ReportDraft
        fields = ["opening", "achievements", "problems", "next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}


class PlanItemForm(forms.ModelForm):
    class Meta:
        model = WorkPlanItem
        fields = ["title", "owner", "due_on", "status", "evidence", "done_on"]
        widgets = {"due_on": DateInput(), "done_on": DateInput()}

    def __init__(self, *args, unit: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = units_on(unit, today()).exclude(kind=UnitKind.GROUP)


def _report_period(text: str) -> Period:
    """Work reports are written for a half-year or a year."""
    return period_from(text, kinds=("half", "year"))


def _report_unit(request: HttpRequest) -> OrgUnit:
    """The unit whose report or 工作要点 the menu opens: the user's first home unit that writes one."""
    units = [u for u in access.home_units(request.user) if u.kind != UnitKind.GROUP]
    if not units:
        raise Http404("没有可查看的党组织。")
    return units[0]


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    unit = _report_unit(request)
    now = today()
    period = Period(now.year, "half", 1) if now.month >= 7 else Period(now.year - 1, "year")
    return redirect("reports:work_report", pk=unit.pk, period=str(period))


@require_GET
@login_required
def plan_index(request: HttpRequest) -> HttpResponse:
    """The menu's 工作要点: this year's list of the user's unit."""
    return redirect("reports:work_plan", pk=_report_unit(request).pk, year=today().year)


@require_http_methods(["GET", "POST"])
@login_required
def work_report(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    if unit.kind == UnitKind.GROUP:
        raise Http404("党小组不编写工作报告。")
    report_period = _report_period(period)
    can_edit = access.can_manage_unit(request.user, unit)
    report = build(unit, report_period)
    draft = draft_for(unit, report_period)
    if request.method == "POST":
        if not can_edit:
            access.require_manage(request.user, unit)
        form = DraftForm(request.POST, instance=draft)
        if form.is_valid():
            try:
                services.report_draft_save(actor=request.user, draft=form.instance)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "文稿已保存。重新生成时数字会按最新台账计算，文字保持不变。")
                return redirect("reports:work_report", pk=unit.pk, period=str(report_period))
    else:
        initial = {}
        if not draft.pk:
            initial = {"opening": default_opening(unit, report_period), "problems": "\n".join(report.problems)}
        form = DraftForm(instance=draft, initial=initial)
    form.fields["next_steps"].label = next_steps_heading(report_period)
    services.jobs_fail_stale(user=request.user)
    jobs = Job.objects.filter(user=request.user, kind="export:work-report", params__unit=unit.pk,
                              params__period=str(report_period))[:5]
    periods = [Period(y, "half", 1) for y in range(today().year, today().year - 3, -1)] + \
              [Period(y, "year") for y in range(today().year, today().year - 3, -1)]
    return render(request, "reports/work_report.html", {
        "unit": unit, "period": report_period, "report": report, "parts": sentences(report), "form": form,
        "can_edit": can_edit, "draft": draft, "jobs": jobs, "next_heading": next_steps_heading(report_period),
        "plan": plan_items(unit, report_period.year) if report_period.kind == "year" else [],
        "periods": sorted(set(periods), key=lambda p: (p.year, p.kind == "year", p.index), reverse=True),
        "nav_section": "reports",
    })


@require_GET
@login_required
def work_records(request: HttpRequest, pk: int, period: str, key: str) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    figure = FIGURES.get(key)
    if figure is None:
        raise Http404("未知的统计项。")
    scope = Scope(unit, _report_period(period))
    records = list(figure.records(scope)[:1000])
    rows = [[getter(record) for _, getter in figure.columns] for record in records]
    return render(request, "reports/work_records.html", {
        "unit": unit, "period": scope.period, "figure": figure, "headers": [h for h, _ in figure.columns],
        "rows": rows, "count": figure.records(scope).count(), "nav_section": "reports",
    })


@require_http_methods(["GET", "POST"])
@login_required
def work_plan(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    can_edit = access.can_manage_unit(request.user, unit)
    form = PlanItemForm(request.POST or None, unit=unit, initial={"due_on": today().replace(year=year, month=12, day=31)})
    if request.method == "POST":
        access.require_manage(request.user, unit)
        if form.is_valid():
            try:
                services.plan_item_save(actor=request.user, unit=unit, year=year, item=form.instance)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已添加工作要点。")
                return redirect("reports:work_plan", pk=unit.pk, year=year)
    return render(request, "reports/work_plan.html", {
        "unit": unit, "year": year, "items": plan_items(unit, year), "form": form, "can_edit": can_edit,
        "statuses": PlanStatus.choices, "today": today(), "nav_section": "reports",
    })


@require_POST
@login_required
def plan_item_update(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(WorkPlanItem.objects.select_related("unit"), pk=pk)
    unit = access.unit_for_view(request.user, item.unit_id)
    access.require_manage(request.user, unit)
    try:
        services.plan_item_tick(actor=request.user, item=item, status=request.POST.get("status", ""),
                                evidence=request.POST.get("evidence", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已更新“{item.title}”。")
    return redirect("reports:work_plan", pk=unit.pk, year=item.year)
