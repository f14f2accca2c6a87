"""谈心谈话: a branch's year of talks, the pairs still owed, and recording one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from branches import access
from branches.forms import add_service_errors
from branches.models import UnitKind, in_subtree, today
from branches.periods import Period, period_param

from .. import compliance, selectors, services
from ..forms import TalkForm
from ._common import SECTION, unit_param


@require_http_methods(["GET", "POST"])
@login_required
def talks(request: HttpRequest) -> HttpResponse:
    """谈心谈话 of a 党支部 for a year, with the pairs still owed and a form to record one."""
    unit = unit_param(request)
    year = period_param(request, default=Period.containing(today(), "year"), kinds=("year",))
    if unit is None or unit.kind != UnitKind.BRANCH:  # a committee's account picks one of its branches
        branches = selectors.meeting_units(request.user, edit=False).filter(kind=UnitKind.BRANCH)
        if unit is not None:
            branches = branches.filter(in_subtree(unit))
        if not branches.exists():
            raise Http404("没有可查看的党支部。")
        return render(request, "meetings/talks_branches.html", {
            "unit": unit, "year": year, "branches": branches, "nav_section": SECTION})
    can_edit = access.can_edit(request.user, unit)
    form = TalkForm(request.POST or None, unit=unit, initial={"date": today()})
    if request.method == "POST":
        access.require_edit(request.user, unit)
        if form.is_valid():
            try:
                services.talk_record(actor=request.user, unit=unit, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已记录谈心谈话。")
                return redirect(f"{reverse('meetings:talks')}?unit={unit.pk}&period={year}")
    report = compliance.evaluate(unit, year)
    result = report.unit(unit.pk)
    rule = result.rule("talk") if result else None
    records = list(selectors.talk_list(user=request.user, unit=unit).filter(date__gte=year.start, date__lte=year.end))
    return render(request, "meetings/talks.html", {
        "unit": unit, "year": year, "form": form if can_edit else None, "rule": rule, "talks": records,
        "owed": selectors.talks_owed(unit, records, min(year.end, today())) if rule else [],
        "nav_section": SECTION})
