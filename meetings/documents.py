"""The printable 会议记录 (Word), one page (or more) per meeting, rendered from a Word template a
党委办公室 can edit: ``templates_docx/meeting_record.docx`` (or the copy in
``settings.WORD_TEMPLATE_DIR``).

The template's body is the block printed for each meeting; its page setup, styles and footers are
``branches.gongwen``'s GB/T 9704 layout. Placeholders a committee may move, restyle or replace by
fixed text: ``{{标题}} {{单位名称}} {{会议类型}} {{会议编号}}``, and ``{{记录}}``, the paragraph
the generated record (particulars, attendance by name, the numbered sections) takes the place of.
Anything else in the block, such as the signature line, is printed as the committee typed it.
python-docx on a template file rather than docxtpl: see ``reports.workreport_docx``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.utils import timezone
from docx.document import Document as DocumentType
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from branches import gongwen
from branches.periods import chinese_date, local_day

from .models import AttendanceStatus, Meeting

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates_docx"
TEMPLATE_NAME = "meeting_record.docx"
NUMBERS = "一二三四五六七八九十"


def build_template() -> DocumentType:
    """The shipped template: the title, the record, a blank line and the signature line."""
    document = gongwen.new_document()
    gongwen.title(document, "{{标题}}")
    gongwen.paragraph(document, "{{记录}}")
    document.add_paragraph()
    gongwen.paragraph(document, "主持人（签字）：　　　　　　　　记录人（签字）：", indent=False)
    gongwen.properties(document, title="会议记录", author="", when=timezone.now())
    return document


def _time(meeting: Meeting) -> str:
    text = chinese_date(meeting.date)
    if meeting.start_time:
        text += f" {meeting.start_time:%H:%M}"
        if meeting.end_time:
            text += f"—{meeting.end_time:%H:%M}"
    return text


def _lines(document: Any, text: str) -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()] or ["无"]
    for line in lines:
        gongwen.paragraph(document, line)


def attendance_text(meeting: Meeting) -> tuple[str, list[str]]:
    """``应到5人；实到3人：甲、乙、丙；请假1人：丁（出差）；缺席：无`` and the 列席 names."""
    by_status: dict[str, list[str]] = {status: [] for status in AttendanceStatus.values}
    for row in meeting.attendance.select_related("person").order_by("person__pinyin"):
        by_status[row.status].append(row.person.name + (f"（{row.reason}）" if row.reason else ""))
    present, leave, absent = (by_status[s] for s in ("present", "leave", "absent"))

    def names(label: str, people: list[str]) -> str:
        return f"{label}{len(people)}人：{'、'.join(people)}" if people else f"{label}：无"

    text = "；".join([f"应到{len(present) + len(leave) + len(absent)}人", names("实到", present),
                     names("请假", leave), names("缺席", absent)])
    return text, by_status["observer"]


def _record(document: Any, meeting: Meeting) -> None:
    gongwen.labelled(document, "会议编号", meeting.number)
    gongwen.labelled(document, "时间", _time(meeting))
    gongwen.labelled(document, "地点", meeting.place)
    gongwen.labelled(document, "主题", meeting.topic)
    gongwen.labelled(document, "主持人", meeting.host)
    gongwen.labelled(document, "记录人", meeting.recorder)
    if meeting.lecturer:
        role = f"（{meeting.get_lecturer_role_display()}）" if meeting.lecturer_role else ""
        gongwen.labelled(document, "授课人", meeting.lecturer + role)
    attendance, observers = attendance_text(meeting)
    gongwen.labelled(document, "出席情况", attendance)
    if observers:
        gongwen.labelled(document, "列席人员", "、".join(observers))
    sections = iter(NUMBERS)
    gongwen.heading(document, f"{next(sections)}、会议议程")
    _lines(document, meeting.agenda)
    gongwen.heading(document, f"{next(sections)}、会议内容")
    _lines(document, meeting.minutes)
    gongwen.heading(document, f"{next(sections)}、会议决议")
    _lines(document, meeting.resolutions)
    votes = list(meeting.votes.all())
    if votes:
        gongwen.heading(document, f"{next(sections)}、表决情况")
        gongwen.table(document, ["议题", "应到", "实到", "赞成", "反对", "弃权", "结果"], [
            [v.motion, v.entitled, v.present, v.votes_for, v.votes_against, v.abstentions,
             "通过" if v.passed else "未通过"] for v in votes
        ], widths_mm=[60, 15, 15, 15, 15, 15, 21])
    amendments = list(meeting.amendments.all())
    if amendments:
        gongwen.heading(document, f"{next(sections)}、更正记录")
        for amendment in amendments:
            changes = "；".join(f"{field}由“{before}”改为“{after}”"
                               for field, (before, after) in amendment.changes.items())
            gongwen.labelled(document, chinese_date(local_day(amendment.amended_at)), f"{amendment.reason}：{changes}")
    status = "已确认" if meeting.is_confirmed else meeting.get_status_display()
    gongwen.paragraph(document, f"记录状态：{status}")


def meeting_record_docx(meetings: Iterable[Meeting]) -> bytes:
    document = gongwen.open_template(gongwen.template_path(TEMPLATE_NAME, TEMPLATE_DIR))
    body = document.element.body
    block = [element for element in body.iterchildren() if element.tag != qn("w:sectPr")]
    gongwen.clear_body(document)
    sect_pr = body.find(qn("w:sectPr"))
    units = set()
    for index, meeting in enumerate(meetings):
        copies = [copy.deepcopy(element) for element in block]
        for element in copies:
            sect_pr.addprevious(element)
        if index and copies and copies[0].tag == qn("w:p"):  # each meeting on a new page, no blank page between
            Paragraph(copies[0], document._body).paragraph_format.page_break_before = True
        own = [Paragraph(p, document._body) for element in copies for p in element.iter(qn("w:p"))]
        title = "\n".join(gongwen.title_lines(meeting.unit.name, f"{meeting.kinds_label}会议记录"))
        values = {"标题": title, "单位名称": meeting.unit.name, "会议类型": meeting.kinds_label,
                  "会议编号": meeting.number}
        marker = None
        for para in own:
            if "记录" in gongwen.placeholders(para):
                marker = para
            else:
                gongwen.fill(para, values)
        if marker is not None:
            gongwen.insert_at(document, marker, lambda d, m=meeting: _record(d, m))
        else:
            _record(document, meeting)
        units.add(meeting.unit.name)
    author = units.pop() if len(units) == 1 else ""
    gongwen.properties(document, title="会议记录", author=author, when=timezone.now())
    return gongwen.to_bytes(document)
