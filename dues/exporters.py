"""``export dues`` (党费收缴台账) and ``export points`` (党员积分), see cli.md.

The ledger sheet and the summary are computed from the same rows as the branch page
(:func:`dues.facts.ledger_rows`), so they agree to the fen.
"""

from __future__ import annotations

from typing import Any

from branches.exporting import CONTENT_TYPES, Exporter, ExportOutput, register_exporter, xlsx_bytes
from branches.models import OrgUnit, in_subtree, today
from branches.periods import Period

from .facts import Figures, figures_overview, ledger_rows, missing_dues
from .models import PointsEntry, PointsSheet
from .points import points_totals

DUES_HEADERS = ["姓名", "月份", "应缴", "实缴", "欠缴", "状态"]
SUMMARY_HEADERS = ["党组织", "编码", "期间", "应缴", "实缴", "欠缴", "应缴人次", "已缴足人次",
                   "收缴率（金额）%", "收缴率（人数）%", "未缴足人次", "免缴人次", "已上交", "其中上缴中央", "自愿多交", "留存"]
NOTES = [
    "收缴率（金额）= 实缴 ÷ 应缴。",
    "收缴率（人数）= 已缴足人次 ÷ 应缴人次：每名党员每个应缴月份为1人次（单月即人数）；当月实缴达到应缴金额为已缴足，"
    "部分缴纳为未缴足；免缴（应缴为0）的月份不计入应缴人次。",
]


def _summary_row(name: str, code: str, period: Period, figures: Figures) -> list[Any]:
    return [name, code, period.label, figures.due, figures.paid, figures.outstanding, figures.owed,
            figures.settled, figures.rate_money if figures.rate_money is not None else "",
            figures.rate_people if figures.rate_people is not None else "", figures.partial, figures.exempt,
            figures.remitted, figures.to_centre, figures.voluntary, figures.retained]


@register_exporter
class DuesExporter(Exporter):
    identifier = "dues"
    label = "党费收缴台账"
    formats = ("xlsx",)

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:
        now = today()  # a period still running: the months begun by today, as the dues page shows them
        rows = ledger_rows(unit, period, on=now)
        ledger = ([row.name, f"{row.month:%Y-%m}", row.due, row.paid, row.outstanding, row.status] for row in rows)
        total, branches = figures_overview(unit, period, on=now)
        summary = [_summary_row(branch.name, branch.code, period, figures)
                   for branch, figures in branches if figures.generated or figures.remitted]
        summary.append(_summary_row(f"{unit.name}（合计）", unit.code, period, total))
        notes = [[f"{period.label}，{total.as_of_label or '期末'}（{min(period.end, now):%Y-%m-%d}）"], *([n] for n in NOTES),
                 *([gap.label] for gap in missing_dues(unit, period, on=now))]
        content = xlsx_bytes(
            [("党费收缴台账", DUES_HEADERS, ledger), ("汇总", SUMMARY_HEADERS, summary), ("说明", ["说明"], notes)],
            widths={"党费收缴台账": [12, 10, 10, 10, 10, 8], "汇总": [24, 14, 16] + [11] * 13, "说明": [100]},
        )
        return ExportOutput(self.filename(unit, period, fmt), CONTENT_TYPES[fmt], content)


@register_exporter
class PointsExporter(Exporter):
    identifier = "points"
    label = "党员积分"
    formats = ("xlsx",)

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:
        months = period.months()
        totals = points_totals(unit, period)
        units = dict(OrgUnit.objects.filter(pk__in={p.unit_id for p in totals}).values_list("pk", "name"))
        headers = ["姓名", "党支部", *[f"{month.index}月" for month in months],
                   "基础分", "年度累计总分", "星级", "支部内排名"]
        rows = [
            [p.name, units.get(p.unit_id, ""), *[p.monthly.get(month.start, "") for month in months], p.base,
             p.total, p.star_text, p.rank]
            for p in totals
        ]
        entries = (
            PointsEntry.objects.filter(in_subtree(unit, "sheet__unit"), sheet__month__gte=period.start,
                                       sheet__month__lte=period.end)
            .select_related("sheet__unit", "person", "item")
            .order_by("sheet__unit__path", "sheet__month", "person__pinyin")
        )
        details = (
            [e.person.name, e.sheet.unit.name, f"{e.sheet.month:%Y-%m}", e.item.name, e.item.category, e.count,
             e.points, e.note, "自动" if e.automatic else ("自评" if e.self_reported else "支部录入"),
             PointsSheet.State(e.sheet.state).label]
            for e in entries
        )
        content = xlsx_bytes(
            [("党员积分", headers, rows),
             ("积分明细", ["姓名", "党支部", "月份", "项目", "类别", "次数", "得分", "说明", "来源", "状态"], details)],
            widths={"党员积分": [12, 20] + [7] * len(months) + [8, 12, 10, 10]},
        )
        return ExportOutput(self.filename(unit, period, fmt), CONTENT_TYPES[fmt], content)
