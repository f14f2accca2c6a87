"""Data for the ECharts on the scorecard pages (rendered with ``json_script``; no inline JS)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from .scorecards import BANDS


def band_distribution(bands: list[str]) -> dict[str, Any]:
    counts = Counter(bands)
    labels = [label for _, label in BANDS]
    series = [{"name": "支部数", "data": [counts[band] for band in labels]}]
    return {"type": "bar", "title": "等次分布", "labels": labels, "series": series, "empty": "尚未发布季度考评结果"}


def category_breakdown(cards: list[Any]) -> dict[str, Any]:
    """Average share of each category's points across the branches (percent)."""
    sums: dict[str, list[Decimal]] = {}
    for card in cards:
        for category, points, maximum in card.by_category():
            entry = sums.setdefault(category, [Decimal(0), Decimal(0)])
            entry[0] += points
            entry[1] += maximum
    labels = list(sums)
    data = [float((points / maximum * 100).quantize(Decimal("0.1"))) if maximum else 0 for points, maximum in sums.values()]
    return {"type": "bar", "title": "各类别平均得分率（%）", "labels": labels, "series": [{"name": "得分率", "data": data}],
            "max": 100}


def trend(points: list[tuple[str, Decimal | None]], title: str = "季度得分趋势") -> dict[str, Any]:
    """A line over the quarters; with nothing published yet the chart says so, and with one
    quarter it shows that quarter's score instead of a lone dot (charts.js)."""
    return {"type": "line", "title": title, "labels": [label for label, _ in points],
            "series": [{"name": "总分", "data": [None if value is None else float(value) for _, value in points]}],
            "max": 100, "empty": "尚未发布考评结果", "unit": "分"}
