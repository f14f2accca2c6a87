"""``export scorecard`` (json, xlsx): per 党支部 its items by category, total, band and rank.

Published snapshots are used when every branch of the quarter has one; otherwise the live
computation (marked ``"published": false`` in JSON)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from branches.exporting import CONTENT_TYPES, Exporter, ExportOutput, ExportRefused, register_exporter, xlsx_bytes
from branches.models import OrgUnit
from branches.periods import Period

from .models import Scorecard
from .scorecards import BranchCard, card_from_snapshot, compute


def cards_for(unit: OrgUnit, period: Period) -> tuple[list[BranchCard], bool]:
    live = compute(unit, period)
    rows = {row.unit_id: row for row in Scorecard.objects.filter(unit__in=[c.unit for c in live], period=str(period))
            .select_related("unit")}
    if live and len(rows) == len(live):
        cards = [card_from_snapshot(rows[card.unit.pk]) for card in live]
        cards.sort(key=lambda card: (card.rank, card.unit.code))
        return cards, True
    return live, False


def _number(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1")))


@register_exporter
class ScorecardExporter(Exporter):
    identifier = "scorecard"
    label = "党支部季度考核"
    formats = ("json", "xlsx")

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:
        if period.kind != "quarter":
            raise ExportRefused("季度考核按季度导出，期间应为 2026Q3 这样的季度。")
        cards, published = cards_for(unit, period)
        if fmt == "json":
            payload = {
                "org": unit.code, "period": str(period), "published": published,
                "branches": [{
                    "code": card.unit.code, "name": card.unit.name, "total": _number(card.total), "band": card.band,
                    "rank": card.rank,
                    "items": [{"category": category, "points": _number(points), "max": int(maximum)}
                              for category, points, maximum in card.by_category()],
                } for card in cards],
            }
            content = json.dumps(payload, ensure_ascii=False, indent=2).encode()
        else:
            categories = [category for category, _, _ in cards[0].by_category()] if cards else []
            headers = ["排名", "党支部编码", "党支部", *categories, "总分", "等次"]
            rows = [[card.rank, card.unit.code, card.unit.name,
                     *[_number(points) for _, points, _ in card.by_category()], _number(card.total), card.band]
                    for card in cards]
            detail_headers = ["党支部", "类别", "考核内容", "得分", "分值", "说明"]
            detail = [[card.unit.name, item.category, item.label,
                       "" if item.points is None else _number(item.points), _number(item.max), item.explanation]
                      for card in cards for item in card.items]
            content = xlsx_bytes([(f"{period.label}考核", headers, rows), ("得分明细", detail_headers, detail)],
                                 widths={f"{period.label}考核": [6, 14, 24] + [10] * len(categories) + [8, 8],
                                         "得分明细": [24, 10, 36, 8, 8, 60]})
        return ExportOutput(self.filename(unit, period, fmt), CONTENT_TYPES[fmt], content)
