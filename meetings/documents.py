"""The printable 会议记录 (Word): one page per meeting, laid out by ``branches.gongwen`` (the one
module that knows GB/T 9704: A4, margins, line grid, 方正小标宋简体 title, 黑体/仿宋_GB2312)."""

from __future__ import annotations

from collections.abc import Iterable

from branches import gongwen
from branches.periods import chinese_date, local_day

from .models import AttendanceStatus, Meeting


def _time(meeting: Meeting) -> str:
    text = chinese_date(meeting.date)
    if meeting.start_time:
        text += f" {meeting.start_time:%H:%M}"
        if meeting.end_time:
            text += f"—{meeting.end_time:%H:%M}"
    return text


def _lines(document: object, text: str) -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()] or ["无"]
    for line in lines:
        gongwen.paragraph(document, line)


def _write(document: object, meeting: Meeting, *, new_page: bool) -> None:
    gongwen.title(document, f"{meeting.unit.name}{meeting.kinds_label}会议记录")
    if new_page:  # one page per meeting, without an empty paragraph that could spill onto a blank page
        document.paragraphs[-1].paragraph_format.page_break_before = True
    by_status: dict[str, list[str]] = {status: [] for status in AttendanceStatus.values}
    for row in meeting.attendance.select_related("person").order_by("person__pinyin"):
        by_status[row.status].append(row.person.name + (f"（{row.reason}）" if row.reason else ""))
    present, leave, absent = (len(by_status[s]) for s in ("present", "leave", "absent"))
    gongwen.labelled(document, "会议编号", meeting.number)
    gongwen.labelled(document, "时间", _time(meeting))
    gongwen.labelled(document, "地点", meeting.place)
    gongwen.labelled(document, "主题", meeting.topic)
    gongwen.labelled(document, "主持人", meeting.host)
    gongwen.labelled(document, "记录人", meeting.recorder)
    if meeting.lecturer:
        role = f"（{meeting.get_lecturer_role_display()}）" if meeting.lecturer_role else ""
        gongwen.labelled(document, "授课人", meeting.lecturer + role)
    gongwen.labelled(document, "出席情况",
                     f"应到{present + leave + absent}人，实到{present}人，请假{leave}人，缺席{absent}人")
    gongwen.labelled(document, "请假人员", "、".join(by_status["leave"]))
    gongwen.labelled(document, "缺席人员", "、".join(by_status["absent"]))
    if by_status["observer"]:
        gongwen.labelled(document, "列席人员", "、".join(by_status["observer"]))
    gongwen.heading(document, "一、会议议程")
    _lines(document, meeting.agenda)
    gongwen.heading(document, "二、会议内容")
    _lines(document, meeting.minutes)
    gongwen.heading(document, "三、会议决议")
    _lines(document, meeting.resolutions)
    votes = list(meeting.votes.all())
    if votes:
        gongwen.heading(document, "四、表决情况")
        gongwen.table(document, ["议题", "应到", "实到", "赞成", "反对", "弃权", "结果"], [
            [v.motion, v.entitled, v.present, v.votes_for, v.votes_against, v.abstentions,
             "通过" if v.passed else "未通过"] for v in votes
        ], widths_mm=[52, 16, 16, 16, 16, 16, 24])
    amendments = list(meeting.amendments.all())
    if amendments:
        gongwen.heading(document, "更正记录")
        for amendment in amendments:
            changes = "；".join(f"{field}由“{before}”改为“{after}”"
                               for field, (before, after) in amendment.changes.items())
            gongwen.labelled(document, chinese_date(local_day(amendment.amended_at)), f"{amendment.reason}：{changes}")
    status = "已确认" if meeting.is_confirmed else meeting.get_status_display()
    gongwen.paragraph(document, f"记录状态：{status}")
    gongwen.paragraph(document, "主持人（签字）：　　　　　　记录人（签字）：", indent=False)


def meeting_record_docx(meetings: Iterable[Meeting]) -> bytes:
    document = gongwen.new_document()
    for index, meeting in enumerate(meetings):
        _write(document, meeting, new_page=index > 0)
    return gongwen.to_bytes(document)
