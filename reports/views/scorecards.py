"""Quarterly scorecards: the committee overview (ranking, charts), a branch's card and its records, 党委评定, publication."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from branches import access
from branches.models import UnitKind, in_subtree, today
from branches.periods import Period, period_from

from .. import charts, services
from ..models import RubricItem, Scorecard
from ..scorecards import card_from_snapshot, compute, rubric_for


def _quarter(request: HttpRequest) -> Period:
    """The quarter shown (``?period=``) or published (a posted ``period``)."""
    return period_from(request.GET.get("period") or request.POST.get("period", ""),
                       default=Period.containing(today(), "quarter"), kinds=("quarter",))


def _recent_quarters(period: Period, count: int = 4) -> list[Period]:
    quarters = [period]
    for _ in range(count - 1):
        quarters.insert(0, quarters[0].previous())
    return quarters


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values) / len(values)).quantize(Decimal("0.1")) if values else None


@require_GET
@login_required
def scorecards(request: HttpRequest) -> HttpResponse:
    period = _quarter(request)
    unit_id = request.GET.get("unit", "")
    reviewable = [u for u in access.home_units(request.user) if access.can_review(request.user, u)
                  and u.kind != UnitKind.GROUP]
    if unit_id.isdecimal():
        root = access.unit_for_view(request.user, unit_id)
    elif reviewable:
        root = reviewable[0]
    else:
        branch = access.visible_units(request.user).filter(kind=UnitKind.BRANCH).order_by("path").first()
        if branch is None:
            raise Http404("没有可查看的考核。")
        return redirect(reverse("reports:scorecard", args=[branch.pk, str(period)]))
    if root.kind == UnitKind.BRANCH:
        return redirect(reverse("reports:scorecard", args=[root.pk, str(period)]))
    access.require_review(request.user, root)
    try:
        cards = compute(root, period)
    except LookupError as exc:  # no rubric in force for the quarter
        raise Http404(str(exc)) from None
    published = {row.unit_id: row for row in Scorecard.objects.filter(unit__in=[c.unit for c in cards],
                                                                      period=str(period))}
    trend_rows = (Scorecard.objects.filter(in_subtree(root, "unit"),
                                           period__in=[str(q) for q in _recent_quarters(period)])
                  .values_list("period", "total"))
    by_quarter: dict[str, list[Decimal]] = {}
    for label, total in trend_rows:
        by_quarter.setdefault(label, []).append(total)
    trend = [(q.label, _mean(by_quarter.get(str(q), []))) for q in _recent_quarters(period)]
    committees = [u for u in access.visible_units(request.user).filter(kind__in=[UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH])
                  .order_by("path") if access.can_review(request.user, u)]
    return render(request, "reports/scorecards.html", {
        "root": root, "period": period, "cards": cards, "published": published,
        "running": not period.end < today(),
        "all_published": bool(cards) and len(published) == len(cards),
        "unscored": [c for c in cards if not c.complete],
        "quarters": _recent_quarters(period, 8), "committees": committees,
        "chart_bands": charts.band_distribution([c.band for c in cards]),
        "chart_categories": charts.category_breakdown(cards),
        "chart_trend": charts.trend(trend, "全体支部平均分（已发布）"),
        "nav_section": "reports",
    })


@require_GET
@login_required
def scorecard(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    if unit.kind != UnitKind.BRANCH:
        raise Http404("考核以党支部为单位。")
    quarter = period_from(period, kinds=("quarter",))
    reviewer = access.can_review(request.user, unit)
    row = Scorecard.objects.filter(unit=unit, period=str(quarter)).select_related("published_by").first()
    live = None
    if reviewer:
        root = unit.parent if unit.parent else unit
        try:
            live = next((c for c in compute(root, quarter) if c.unit.pk == unit.pk), None)
        except LookupError as exc:  # no rubric in force for the quarter
            raise Http404(str(exc)) from None
    card = card_from_snapshot(row) if row else None
    history = list(row.history.select_related("published_by", "history_user").order_by("-history_date")) if row else []
    own = Scorecard.objects.filter(unit=unit, period__in=[str(q) for q in _recent_quarters(quarter)])
    totals = dict(own.values_list("period", "total"))
    manual_items = [] if not reviewer else [
        (item, next((i for i in live.items if i.code == item.code), None))
        for item in rubric_for(quarter).items.filter(method="manual")
    ] if live else []
    return render(request, "reports/scorecard_detail.html", {
        "unit": unit, "period": quarter, "row": row, "card": card, "live": live, "reviewer": reviewer,
        "manual_items": manual_items, "history": history, "quarters": _recent_quarters(quarter, 8),
        "chart_trend": charts.trend([(q.label, totals.get(str(q)))
                                     for q in _recent_quarters(quarter)]),
        "nav_section": "reports",
    })


@require_POST
@login_required
def manual_score(request: HttpRequest, pk: int, period: str, item_pk: int) -> HttpResponse:
    unit = access.unit_for_view(request.user, pk)
    access.require_review(request.user, unit)
    item = get_object_or_404(RubricItem, pk=item_pk)
    quarter = period_from(period, kinds=("quarter",))
    try:
        services.manual_score_set(actor=request.user, unit=unit, period=quarter, item=item,
                                  points=request.POST.get("points", ""), comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已保存“{item.label}”的评定。")
    return redirect("reports:scorecard", pk=unit.pk, period=period)


@require_POST
@login_required
def publish(request: HttpRequest) -> HttpResponse:
    root = access.unit_for_view(request.user, request.POST.get("unit"))
    access.require_review(request.user, root)
    period = _quarter(request)
    try:
        rows = services.scorecards_publish(actor=request.user, root=root, period=period,
                                           reason=request.POST.get("reason", ""), early=bool(request.POST.get("early")),
                                           early_reason=request.POST.get("early_reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        early = "（本季度尚未结束，提前发布）" if rows and rows[0].early_reason else ""
        messages.success(request, f"已发布{period.label}{len(rows)}个党支部的考核结果{early}。")
    return redirect(f"{reverse('reports:scorecards')}?unit={root.pk}&period={period}")


