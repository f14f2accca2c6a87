"""Ledgers to print: the 党员花名册 (a branch's roster as it is printed and filed, A4 landscape)
beside the roster export in the import's columns, and the month's 党费收缴签字表 on which members
sign for what they paid. Both are Word files through the exporter registry, so the pages' export
buttons and ``manage.py export roster|dues-sign`` give the same file."""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby
from typing import Any

from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from docx.table import Table

from branches import gongwen
from branches.exporting import CONTENT_TYPES, Exporter, ExportOutput, ExportRefused, register_exporter
from branches.facts import units_during
from branches.models import OrgUnit
from branches.periods import Period, chinese_date
from dues import facts as ledger
from members import facts as people
from members import idnumbers

ROSTER_HEADERS = ["序号", "姓名", "性别", "民族", "出生年月", "学历", "人员类别", "入党时间", "转正时间", "党小组",
                  "工作岗位", "联系电话", "备注"]
ROSTER_WIDTHS_MM = [12, 20, 12, 13, 21, 20, 20, 21, 21, 24, 30, 30, 23]
SIGN_HEADERS = ["序号", "姓名", "月份", "应缴（元）", "实缴（元）", "欠缴（元）", "缴纳日期", "本人签字"]
SIGN_WIDTHS_MM = [14, 30, 24, 30, 30, 30, 34, 75]


def _month(day: Any) -> str:
    return f"{day:%Y.%m}" if day else ""


def _rows_to_sign_in(grid: Table, height_mm: float = 9) -> None:
    """Body rows tall enough for a signature."""
    for row in grid.rows[1:]:
        row.height = Mm(height_mm)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def _caption(document: Any, text: str) -> None:
    para = gongwen.paragraph(document, text, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    para.paragraph_format.line_spacing = None


@register_exporter
class RosterPrintExporter(Exporter):
    identifier = "roster"
    label = "党员花名册"
    formats = ("docx",)
    personal_data = True

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:
        mask = not self.full_personal_data(user, unit)
        day = period.end
        memberships = (people.memberships_on(unit, day).select_related("person", "unit", "group")
                       .order_by("unit__path", "group__path", "person__pinyin", "person_id"))
        document = gongwen.new_document()
        gongwen.landscape(document)
        first = True
        for branch, rows in groupby(memberships, key=lambda m: m.unit):
            if not first:
                gongwen.page_break(document)
            first = False
            gongwen.title(document, f"{branch.name}党员花名册")
            _caption(document, f"截至{chinese_date(day)}")
            table_rows = []
            for number, membership in enumerate(rows, start=1):
                person = membership.person
                table_rows.append([
                    number, person.name, person.gender, person.ethnicity,
                    f"{person.birth_date:%Y}" if mask and person.birth_date else _month(person.birth_date),
                    person.education, person.get_status_display(), _month(person.probationary_on),
                    _month(person.full_on), membership.group.name if membership.group else "", person.position,
                    idnumbers.mask_phone(person.phone) if mask else person.phone, "",
                ])
            gongwen.table(document, ROSTER_HEADERS, table_rows, widths_mm=ROSTER_WIDTHS_MM, size=Pt(10.5))
        if first:
            gongwen.title(document, f"{unit.name}党员花名册")
            _caption(document, f"截至{chinese_date(day)}，没有在册人员。")
        return ExportOutput(self.filename(unit, period, fmt), CONTENT_TYPES[fmt], gongwen.to_bytes(document))


@register_exporter
class DuesSignSheetExporter(Exporter):
    identifier = "dues-sign"
    label = "党费收缴签字表"
    formats = ("docx",)

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:
        if period.kind != "month":
            raise ExportRefused("党费收缴签字表按月打印，期间应为 2026-07 这样的月份。")
        rows = ledger.ledger_rows(unit, period)
        paid_on = ledger.payment_dates(unit, period)
        names = dict(units_during(unit, period.start, period.end, ("branch",)).values_list("pk", "name"))
        by_unit: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            by_unit[row.unit_id].append(row)
        document = gongwen.new_document()
        gongwen.landscape(document)
        for index, (unit_id, unit_rows) in enumerate(by_unit.items()):
            if index:
                gongwen.page_break(document)
            gongwen.title(document, f"{names[unit_id]}党费收缴签字表")
            _caption(document, f"{period.label}　共{len(unit_rows)}人，应缴{sum(r.due for r in unit_rows):.2f}元")
            grid = gongwen.table(document, SIGN_HEADERS, [
                [number, row.name, _month(row.month), f"{row.due:.2f}", f"{row.paid:.2f}" if row.paid else "",
                 f"{row.outstanding:.2f}" if row.outstanding else "",
                 "、".join(f"{d:%m.%d}" for d in paid_on.get((row.person_id, row.month), [])), ""]
                for number, row in enumerate(unit_rows, start=1)
            ], widths_mm=SIGN_WIDTHS_MM, size=Pt(12))
            _rows_to_sign_in(grid)
            _caption(document, "收款人（签字）：　　　　　　　　支部书记（签字）：　　　　　　　　日期：")
        if not by_unit:
            gongwen.title(document, f"{unit.name}党费收缴签字表")
            _caption(document, f"{period.label}尚未生成应缴党费。")
        return ExportOutput(self.filename(unit, period, fmt), CONTENT_TYPES[fmt], gongwen.to_bytes(document))
