"""The work report as a Word file in the GB/T 9704 layout and its exporter (``export work-report``,
the same service the browser's 生成 button runs).

The file is rendered from a Word template, ``templates_docx/work_report.docx``, that a 党委办公室
edits in Word or WPS: its page setup, styles and footers, the 版头, the 主送机关 line and the
signature block are paragraphs of that file, and the code only fills the placeholders in them:

    {{发文机关}} {{标题}} {{主送机关}} {{署名}} {{成文日期}} {{单位名称}} {{期间}}
    {{正文}} {{附件说明}} {{附件}}   (whole paragraphs the generated parts take the place of)

A committee may type fixed text instead of any placeholder (its own 版头 "中共××委员会文件", a
fixed 主送机关) or delete a paragraph it does not want. ``settings.WORD_TEMPLATE_DIR`` points
an installation at its own copies. We use python-docx on the template file rather than docxtpl
(Jinja inside Word) because python-docx is already the portal's Word library and docxtpl is not
installed; placeholders are whole words in paragraphs, so a template stays editable by people
who never saw Jinja. ``manage.py docx_templates`` regenerates the shipped template from the
layout in ``branches.gongwen``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone
from docx.document import Document as DocumentType

from branches import gongwen
from branches.exporting import CONTENT_TYPES, Exporter, ExportOutput, ExportRefused, register_exporter
from branches.models import OrgUnit, today
from branches.periods import Period, chinese_date

from .models import PlanStatus, ReportDraft, WorkPlanItem
from .workreport import Report, build, sentences

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates_docx"
TEMPLATE_NAME = "work_report.docx"
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


def build_template() -> DocumentType:
    """The shipped template: the gongwen page and styles, a 版头, the title, the 主送机关 line, the
    body, the 附件 note, the signature block and the attachments, each a placeholder paragraph."""
    document = gongwen.new_document()
    gongwen.banner(document, "{{发文机关}}")
    gongwen.title(document, "{{标题}}")
    gongwen.recipient(document, "{{主送机关}}")
    gongwen.paragraph(document, "{{正文}}")
    gongwen.paragraph(document, "{{附件说明}}", indent=False)
    document.add_paragraph()
    gongwen.signature_lines(document.add_paragraph(), document.add_paragraph(), "{{署名}}", "{{成文日期}}")
    gongwen.paragraph(document, "{{附件}}", indent=False)
    gongwen.properties(document, title="党建工作报告", author="", when=timezone.now())
    return document


def _body(document: Any, report: Report, draft: ReportDraft, plan: list[WorkPlanItem]) -> None:
    scope = report.scope
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
                          + (f"，{len(plan) - len(done)}项未完成，详见附件。" if len(plan) > len(done) else "。"))
    gongwen.heading(document, f"{chinese_number(number + 1)}、存在问题", 1)
    number += 1
    _paragraphs(document, draft.problems if draft.problems.strip() else "\n".join(report.problems) or "无。")
    gongwen.heading(document, f"{chinese_number(number + 1)}、{next_steps_heading(scope.period)}", 1)
    _paragraphs(document, draft.next_steps or "（待填写）")


def _attachments(report: Report, plan: list[WorkPlanItem]) -> list[tuple[str, list[str], list[list[Any]]]]:
    tables = list(report.tables)
    period = report.scope.period
    if period.kind == "year" and plan:
        tables.append((f"{period.year}年党建工作要点完成情况", ["序号", "工作事项", "责任单位", "完成时限", "状态", "完成情况"], [
            [index, item.title, item.owner.name, item.due_on.strftime("%Y-%m-%d"), item.get_status_display(), item.evidence]
            for index, item in enumerate(plan, start=1)
        ]))
    return tables


def render(report: Report, draft: ReportDraft, plan: list[WorkPlanItem]) -> bytes:
    scope = report.scope
    unit = scope.unit
    document = gongwen.open_template(gongwen.template_path(TEMPLATE_NAME, TEMPLATE_DIR))
    recipient = unit.parent.name if unit.parent_id else ""
    if not recipient and (line := gongwen.find(document, "主送机关")) is not None:
        gongwen.remove(line)  # a top-level unit: its template names the 主送机关 itself, or there is none
    rest = report.title.removeprefix(unit.name)
    date_text = chinese_date(today())
    name_para, date_para = gongwen.find(document, "署名"), gongwen.find(document, "成文日期")
    issuer = gongwen.find(document, "发文机关")
    gongwen.fill_all(document, {
        "发文机关": unit.name, "单位名称": unit.name, "署名": unit.name, "主送机关": recipient,
        "标题": "\n".join(gongwen.title_lines(unit.name, rest) if rest != report.title
                          else gongwen.title_lines(report.title)),
        "成文日期": date_text, "期间": scope.period.label,
    })
    if issuer is not None and issuer.text == unit.name:
        gongwen.fit_line(issuer)
    if name_para is not None and date_para is not None and (name_para.text, date_para.text) == (unit.name, date_text):
        gongwen.signature_lines(name_para, date_para, unit.name, date_text)  # placed for the name's length
    tables = _attachments(report, plan)
    numbered = len(tables) > 1
    _at(document, "正文", lambda d: _body(d, report, draft, plan))
    _at(document, "附件说明", lambda d: gongwen.attachment_note(d, [title for title, _, _ in tables]))
    def attachments(d: Any) -> None:
        for number, (title, headers, rows) in enumerate(tables, start=1):
            gongwen.attachment(d, number if numbered else None, title)
            gongwen.table(d, headers, rows)
    _at(document, "附件", attachments)
    if name_para is not None and name_para._p.getparent() is not None:
        gongwen.keep_with_body(name_para, lines=len(tables) + 1)
    gongwen.properties(document, title=report.title, author=unit.name, when=timezone.now())
    return gongwen.to_bytes(document)


def _at(document: Any, marker: str, build_part: Any) -> None:
    """Put a generated part where the template's ``{{marker}}`` paragraph is (at the end when a
    committee deleted it)."""
    para = gongwen.find(document, marker)
    if para is None:
        build_part(document)
    else:
        gongwen.insert_at(document, para, build_part)


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
