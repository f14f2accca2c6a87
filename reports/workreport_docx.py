"""The work report as a Word file in the GB/T 9704 layout (through ``branches.gongwen``) and its
exporter (``export work-report``, the same service the browser's 生成 button runs)."""

from __future__ import annotations

from typing import Any

from branches import gongwen
from branches.exporting import CONTENT_TYPES, Exporter, ExportOutput, ExportRefused, register_exporter
from branches.models import OrgUnit, today
from branches.periods import Period

from .models import PlanStatus, ReportDraft, WorkPlanItem
from .workreport import Report, build, sentences

DIGITS = "一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (numbered parts of a 公文)."""
    if n < 10:
        return DIGITS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{DIGITS[tens - 1] if tens > 1 else ''}十{DIGITS[ones - 1] if ones else ''}"
DEFAULT_OPENING = ("{period}，{unit}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神，"
                   "落实新时代党的建设总要求，扎实推进党支部标准化规范化建设。现将有关情况报告如下。")


def default_opening(unit: OrgUnit, period: Period) -> str:
    return DEFAULT_OPENING.format(period=period.label, unit=unit.name)


def next_steps_heading(period: Period) -> str:
    if period.kind == "half" and period.index == 1:
        return "下半年工作谋划"
    return "下一年工作重点"


def draft_for(unit: OrgUnit, period: Period) -> ReportDraft:
    return ReportDraft.objects.filter(unit=unit, period=str(period)).first() or ReportDraft(unit=unit, period=str(period))


def _paragraphs(document: Any, text: str) -> None:
    for line in (text or "").splitlines():
        if line.strip():
            gongwen.paragraph(document, line.strip())


def render(report: Report, draft: ReportDraft, plan: list[WorkPlanItem]) -> bytes:
    scope = report.scope
    document = gongwen.new_document()
    gongwen.title(document, report.title)
    gongwen.paragraph(document, draft.opening.strip() or default_opening(scope.unit, scope.period))
    number = 0
    for heading, paragraphs in sentences(report):
        gongwen.heading(document, f"{chinese_number(number + 1)}、{heading}", 1)
        number += 1
        for text in paragraphs:
            gongwen.paragraph(document, text)
    if draft.achievements.strip():
        gongwen.heading(document, f"{chinese_number(number + 1)}、主要成效", 1)
        number += 1
        _paragraphs(document, draft.achievements)
    if scope.period.kind == "year":
        gongwen.heading(document, f"{chinese_number(number + 1)}、年度工作要点完成情况", 1)
        number += 1
        done = [item for item in plan if item.status == PlanStatus.DONE]
        gongwen.paragraph(document, f"年初确定工作要点{len(plan)}项，已完成（销账）{len(done)}项"
                          + (f"，{len(plan) - len(done)}项未完成，详见附表。" if len(plan) > len(done) else "。"))
    gongwen.heading(document, f"{chinese_number(number + 1)}、存在问题", 1)
    number += 1
    _paragraphs(document, draft.problems if draft.problems.strip() else "\n".join(report.problems) or "无。")
    gongwen.heading(document, f"{chinese_number(number + 1)}、{next_steps_heading(scope.period)}", 1)
    _paragraphs(document, draft.next_steps or "（待填写）")
    gongwen.signature(document, scope.unit.name, today())
    appendix = 1
    for title, headers, rows in report.tables:
        gongwen.page_break(document)
        gongwen.paragraph(document, f"附表{appendix}", indent=False)
        gongwen.heading(document, title, 2)
        gongwen.table(document, headers, rows)
        appendix += 1
    if scope.period.kind == "year" and plan:
        gongwen.page_break(document)
        gongwen.paragraph(document, f"附表{appendix}", indent=False)
        gongwen.heading(document, f"{scope.period.year}年党建工作要点完成情况", 2)
        gongwen.table(document, ["序号", "工作事项", "责任单位", "完成时限", "状态", "完成情况"], [
            [index, item.title, item.owner.name, item.due_on.strftime("%Y-%m-%d"), item.get_status_display(), item.evidence]
            for index, item in enumerate(plan, start=1)
        ])
    return gongwen.to_bytes(document)


def plan_items(unit: OrgUnit, year: int) -> list[WorkPlanItem]:
    return list(WorkPlanItem.objects.filter(unit=unit, year=year).select_related("owner").order_by("due_on", "id"))


@register_exporter
class WorkReportExporter(Exporter):
    identifier = "work-report"
    label = "党建工作报告"
    formats = ("docx",)

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:
        if period.kind not in ("half", "year"):
            raise ExportRefused("工作报告按半年（2026H1、2026H2）或全年（2026）生成。")
        report = build(unit, period)
        content = render(report, draft_for(unit, period), plan_items(unit, period.year))
        return ExportOutput(f"{report.title}.docx", CONTENT_TYPES["docx"], content)
