"""The compliance rules in force for a unit, and a committee's local rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from branches import access
from branches.forms import add_service_errors
from branches.models import UnitKind, today

from .. import services
from ..forms import LocalRuleForm, RuleEndForm
from ..models import ComplianceRule
from ._common import SECTION, unit_param


@require_http_methods(["GET", "POST"])
@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """The rules in force for a unit; committee staff add and end their committee's local rules."""
    unit = unit_param(request)
    if unit is None:
        raise Http404("没有可查看的党组织。")
    ancestors = [int(part) for part in unit.path.strip("/").split("/") if part]
    visible = ComplianceRule.objects.filter(Q(scope_unit__isnull=True) | Q(scope_unit_id__in=ancestors))
    visible = visible.select_related("scope_unit").order_by("order", "code", "effective_from")
    can_add = unit.kind in (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH) and access.can_review(request.user, unit)
    form = LocalRuleForm(request.POST or None, initial={"effective_from": today()})
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied("只有上级党委工作人员可以增设本地规则。")
        if request.POST.get("end"):
            rule = access.get_or_404(ComplianceRule.objects.all(), pk=request.POST["end"], scope_unit=unit)
            end_form = RuleEndForm(request.POST)
            if end_form.is_valid():
                try:
                    services.rule_end(actor=request.user, rule=rule, effective_to=end_form.cleaned_data["effective_to"])
                except ValidationError as exc:
                    messages.error(request, "；".join(exc.messages))
                else:
                    messages.success(request, f"“{rule.name}”将于{rule.effective_to:%Y-%m-%d}后停止适用。")
            return redirect(f"{reverse('meetings:rules')}?unit={unit.pk}")
        if form.is_valid():
            try:
                services.rule_create_local(actor=request.user, scope_unit=unit, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已增设本地规则，下级党支部的合规统计即时生效。")
                return redirect(f"{reverse('meetings:rules')}?unit={unit.pk}")
    return render(request, "meetings/rules.html", {
        "unit": unit, "rules": visible, "form": form if can_add else None, "today": today(),
        "nav_section": SECTION})
