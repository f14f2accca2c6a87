"""The printable 会议记录 (Word): one page per meeting, in the 公文 layout of report-anatomy.md
(GB/T 9704: A4, margins 37/35/28/26 mm, title 方正小标宋简体 2号, headings 黑体 3号, body 仿宋_GB2312
3号). Fonts are named as the East Asian font so Word and WPS pick them up."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from branches.periods import chinese_date

from .models import AttendanceStatus, Meeting

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
TITLE_SIZE = Pt(22)
BODY_SIZE = Pt(16)
TABLE_SIZE = Pt(12)


def _font(run_or_style, name: str, size: Pt, bold: bool = False) -> None:
    run_or_style.font.name = name
    run_or_style.font.size = size
    run_or_style.font.bold = bold
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _setup(document: Document) -> None:
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    _font(normal, BODY_FONT, BODY_SIZE)
    normal.paragraph_format.line_spacing = Pt(28.95)
    normal.paragraph_format.space_after = Pt(0)


def _title(document: Document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(14)
    _font(paragraph.add_run(text), TITLE_FONT, TITLE_SIZE)


def _heading(document: Document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(32)
    _font(paragraph.add_run(text), HEADING_FONT, BODY_SIZE)


def _body(document: Document, label: str, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Pt(32)
    if label:
        _font(paragraph.add_run(f"{label}："), HEADING_FONT, BODY_SIZE)
    _font(paragraph.add_run(text or "无"), BODY_FONT, BODY_SIZE)


def _lines(document: Document, text: str) -> None:
    for line in (text or "无").splitlines() or ["无"]:
        if line.strip():
            _body(document, "", line.strip())


def _time(meeting: Meeting) -> str:
    text = chinese_date(meeting.date)
    if meeting.start_time:
        text += f" {meeting.start_time:%H:%M}"
        if meeting.end_time:
            text += f"—{meeting.end_time:%H:%M}"
    return text


def _write(document: Document, meeting: Meeting) -> None:
    _title(document, f"{meeting.unit.name}{meeting.kinds_label}会议记录")
    rows = list(meeting.attendance.select_related("person").order_by("person__pinyin"))
    by_status: dict[str, list[str]] = {status: [] for status in AttendanceStatus.values}
    for row in rows:
        by_status[row.status].append(row.person.name + (f"（{row.reason}）" if row.reason else ""))
    expected = len(by_status["present"]) + len(by_status["leave"]) + len(by_status["absent"])
    _body(document, "会议编号", meeting.number)
    _body(document, "时间", _time(meeting))
    _body(document, "地点", meeting.place)
    _body(document, "主题", meeting.topic)
    _body(document, "主持人", meeting.host)
    _body(document, "记录人", meeting.recorder)
    if meeting.lecturer:
        role = f"（{meeting.get_lecturer_role_display()}）" if meeting.lecturer_role else ""
        _body(document, "授课人", meeting.lecturer + role)
    present, leave, absent = (len(by_status[s]) for s in ("present", "leave", "absent"))
    _body(document, "出席情况", f"应到{expected}人，实到{present}人，请假{leave}人，缺席{absent}人")
    _body(document, "请假人员", "、".join(by_status["leave"]))
    _body(document, "缺席人员", "、".join(by_status["absent"]))
    if by_status["observer"]:
        _body(document, "列席人员", "、".join(by_status["observer"]))
    _heading(document, "一、会议议程")
    _lines(document, meeting.agenda)
    _heading(document, "二、会议内容")
    _lines(document, meeting.minutes)
    _heading(document, "三、会议决议")
    _lines(document, meeting.resolutions)
    votes = list(meeting.votes.all())
    if votes:
        _heading(document, "四、表决情况")
        table = document.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, ["议题", "应到", "实到", "赞成", "反对/弃权", "结果"], strict=True):
            _font(cell.paragraphs[0].add_run(text), HEADING_FONT, TABLE_SIZE)
        for vote in votes:
            values = [vote.motion, vote.entitled, vote.present, vote.votes_for,
                      f"{vote.votes_against}/{vote.abstentions}", "通过" if vote.passed else "未通过"]
            for cell, value in zip(table.add_row().cells, values, strict=True):
                _font(cell.paragraphs[0].add_run(str(value)), BODY_FONT, TABLE_SIZE)
    amendments = list(meeting.amendments.all())
    if amendments:
        _heading(document, "更正记录")
        for amendment in amendments:
            changes = "；".join(f"{field}由“{before}”改为“{after}”"
                               for field, (before, after) in amendment.changes.items())
            _body(document, chinese_date(amendment.amended_at.date()), f"{amendment.reason}：{changes}")
    status = "已确认" if meeting.is_confirmed else meeting.get_status_display()
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(paragraph.add_run(f"记录状态：{status}　　主持人签字：　　　　记录人签字：　　　　"), BODY_FONT, BODY_SIZE)


def meeting_record_docx(meetings: Iterable[Meeting]) -> bytes:
    document = Document()
    _setup(document)
    first = True
    for meeting in meetings:
        if not first:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _write(document, meeting)
        first = False
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()

