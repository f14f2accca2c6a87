"""``import_xlsx meetings``: sheet 会议 (one row per meeting) and sheet 出勤 (exceptions and
confirmations per person), the inverse of ``export meetings``.

Imported meetings are records of meetings already held, so they are created confirmed. People
expected (应到) but not listed in 出勤 are 出席, as in the browser. A meeting already in the portal
(same 会议编号) is matched: identical rows change nothing; other differences become amendments.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from branches import access
from branches.importing import (
    Column,
    Importer,
    ImportResult,
    Reader,
    RowError,
    duplicate_keys,
    normalise_code,
    normalise_text,
    parse_choice,
    parse_date,
    parse_time,
    read_cell,
    register_importer,
)
from branches.models import OrgUnit, UnitKind, today
from members import idnumbers
from members.models import Membership, Person

from . import services
from .models import GROUP_KINDS, AttendanceStatus, Meeting, MeetingKind, MeetingStatus

MEETING_SHEET = "会议"
ATTENDANCE_SHEET = "出勤"
KIND_BY_LABEL = {label: value for value, label in MeetingKind.choices}
ATTENDANCE_BY_LABEL = {
    "出席": AttendanceStatus.PRESENT, "请假": AttendanceStatus.LEAVE, "缺席": AttendanceStatus.ABSENT,
}

MEETING_COLUMNS = [
    Column("会议编号", True, "唯一编号，重复导入时按编号匹配", example="DW-001-2026-01"),
    Column("党组织编码", True, "党小组会填党小组编码，其他会议填党支部编码", example="DW-001",
           unit_codes=("党支部", "党小组")),
    Column("会议类型", True, "/".join(KIND_BY_LABEL), example="党员大会", choices=tuple(KIND_BY_LABEL)),
    Column("日期", True, "2026-07-05、2026/7/5 或 2026年7月5日", example="2026-07-05"),
    Column("主题", True, example="学习党章"),
    Column("开始时间", False, "如 14:30", example="14:30"),
    Column("地点", example="党员活动室"),
    Column("主持人", example="张建国"),
    Column("记录人", example="李红"),
    Column("授课人", False, "党课填写", example="王明"),
    Column("内容摘要", example="传达学习上级会议精神"),
]
ATTENDANCE_COLUMNS = [
    Column("会议编号", True, "须是“会议”表中或系统中已有的会议", example="DW-001-2026-01"),
    Column("公民身份号码", True, example="11010519491231002X"),
    Column("出勤情况", True, "出席 / 请假 / 缺席；未列出的应到人员按出席", example="请假",
           choices=("出席", "请假", "缺席")),
    Column("原因", False, "请假必填", example="出差"),
]
# Column → Meeting field for the simple text/time columns.
FIELD_COLUMNS = {"开始时间": "start_time", "地点": "place", "主持人": "host", "记录人": "recorder",
                 "授课人": "lecturer", "内容摘要": "minutes"}


@dataclass
class MeetingRow:
    number: int
    key: str
    unit: OrgUnit
    kind: str
    date: dt.date
    topic: str
    fields: dict[str, Any]
    existing: Meeting | None


@dataclass
class AttendanceRow:
    number: int
    key: str
    person: Person
    status: str
    reason: str


@dataclass
class Plan:
    meetings: list[MeetingRow] = field(default_factory=list)
    attendance: dict[str, list[AttendanceRow]] = field(default_factory=lambda: defaultdict(list))


@register_importer("meetings")
class MeetingImporter(Importer):
    label = "会议台账"
    sheets = {MEETING_SHEET: MEETING_COLUMNS, ATTENDANCE_SHEET: ATTENDANCE_COLUMNS}

    def validate(self, reader: Reader, *, user: Any) -> Plan:
        meetings = reader.sheet(MEETING_COLUMNS, MEETING_SHEET)
        attendance = reader.sheet(ATTENDANCE_COLUMNS, ATTENDANCE_SHEET)
        plan = Plan()
        if meetings is None or attendance is None:
            return plan
        problems = reader.problems
        sheet = MEETING_SHEET
        duplicate_keys(problems, meetings.rows, lambda r: normalise_code(r.get("会议编号")), "会议编号", sheet)
        codes = {normalise_code(r.get("党组织编码")) for r in meetings.rows} - {""}
        units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)}
        keys = {normalise_code(r.get("会议编号")) for r in meetings.rows} | {
            normalise_code(r.get("会议编号")) for r in attendance.rows
        }
        existing = {m.number: m for m in Meeting.objects.filter(number__in=keys - {""}).select_related("unit")}
        day = today()
        by_key: dict[str, MeetingRow] = {}
        for row in meetings.rows:
            start = len(problems.lines)
            key = read_cell(problems, row, "会议编号", normalise_code, required=True, sheet=sheet)
            code = read_cell(problems, row, "党组织编码", normalise_code, required=True, sheet=sheet)
            kind_label = read_cell(problems, row, "会议类型", lambda v: parse_choice(v, list(KIND_BY_LABEL)),
                                   required=True, sheet=sheet)
            date = read_cell(problems, row, "日期", parse_date, required=True, sheet=sheet)
            topic = read_cell(problems, row, "主题", normalise_text, required=True, sheet=sheet)
            fields = {name: read_cell(problems, row, column, parse_time if name == "start_time" else normalise_text,
                                      sheet=sheet) for column, name in FIELD_COLUMNS.items()}
            fields = {name: (value if value is not None else ("" if name != "start_time" else None))
                      for name, value in fields.items()}
            kind = KIND_BY_LABEL.get(kind_label or "")
            if topic and len(topic) > 200:
                problems.add(row.number, "主题", "不能超过200个字符", sheet)
            if key and len(key) > 40:
                problems.add(row.number, "会议编号", "不能超过40个字符", sheet)
            for column in ("地点", "主持人", "记录人", "授课人"):
                limit = Meeting._meta.get_field(FIELD_COLUMNS[column]).max_length
                if len(fields[FIELD_COLUMNS[column]]) > limit:
                    problems.add(row.number, column, f"不能超过{limit}个字符", sheet)
            if date and date > day:
                problems.add(row.number, "日期", f"{date:%Y-%m-%d}晚于今天（只导入已召开的会议）", sheet)
            unit = units.get(code or "")
            if code and unit is None:
                problems.add(row.number, "党组织编码", f"党组织编码“{code}”不存在", sheet)
            elif unit is not None:
                if user is not None and not access.can_edit(user, unit):
                    problems.add(row.number, "党组织编码", f"您无权修改“{unit.name}”的记录", sheet)
                if kind in GROUP_KINDS and unit.kind != UnitKind.GROUP:
                    problems.add(row.number, "党组织编码",
                                 f"党小组会应填写党小组编码，“{unit.name}”是{unit.get_kind_display()}", sheet)
                elif kind and kind not in GROUP_KINDS and unit.kind != UnitKind.BRANCH:
                    problems.add(row.number, "党组织编码",
                                 f"{kind_label}应填写党支部编码，“{unit.name}”是{unit.get_kind_display()}", sheet)
                if date and unit.founded_on and date < unit.founded_on:
                    problems.add(row.number, "日期", f"早于“{unit.name}”的成立日期{unit.founded_on:%Y-%m-%d}", sheet)
                if date and unit.archived_on and date > unit.archived_on:
                    problems.add(row.number, "日期", f"晚于“{unit.name}”的撤销日期{unit.archived_on:%Y-%m-%d}", sheet)
            previous = existing.get(key or "")
            if previous is not None and len(problems.lines) == start:
                if previous.status == MeetingStatus.VOID:
                    problems.add(row.number, "会议编号", f"会议“{key}”已作废，不能再导入", sheet)
                elif (previous.unit_id, previous.kind, previous.date) != (unit.pk, kind, date):
                    problems.add(row.number, "会议编号",
                                 f"会议“{key}”已存在，但党组织、类型或日期不同；请在系统中更正或使用新编号", sheet)
            if key in by_key:
                continue  # a repeated 会议编号 (already reported by duplicate_keys)
            if len(problems.lines) == start and unit is not None and kind and date:
                meeting_row = MeetingRow(row.number, key, unit, kind, date, topic, fields, previous)
                plan.meetings.append(meeting_row)
                by_key[key] = meeting_row
        self._attendance(reader, attendance.rows, plan, by_key, existing, keys_in_file={
            normalise_code(r.get("会议编号")) for r in meetings.rows})
        return plan

    def _attendance(self, reader: Reader, rows: list[Any], plan: Plan, by_key: dict[str, MeetingRow],
                    existing: dict[str, Meeting], keys_in_file: set[str]) -> None:
        problems = reader.problems
        sheet = ATTENDANCE_SHEET
        duplicate_keys(problems, rows, lambda r: (normalise_code(r.get("会议编号")),
                                                  idnumbers.normalise(normalise_text(r.get("公民身份号码")))),
                       "公民身份号码", sheet)
        numbers = {idnumbers.normalise(normalise_text(r.get("公民身份号码"))) for r in rows}
        people = {p.id_number: p for p in Person.objects.filter(id_number__in=numbers)}
        memberships: dict[int, list[Membership]] = defaultdict(list)
        for membership in Membership.objects.filter(person__in=people.values()):
            memberships[membership.person_id].append(membership)
        for row in rows:
            start = len(problems.lines)
            key = read_cell(problems, row, "会议编号", normalise_code, required=True, sheet=sheet)
            number = read_cell(problems, row, "公民身份号码", lambda v: idnumbers.normalise(normalise_text(v)),
                               required=True, sheet=sheet)
            label = read_cell(problems, row, "出勤情况", lambda v: parse_choice(v, list(ATTENDANCE_BY_LABEL)),
                              required=True, sheet=sheet)
            reason = read_cell(problems, row, "原因", normalise_text, sheet=sheet) or ""
            if label == "请假" and not reason:
                problems.add(row.number, "原因", "请假须填写原因", sheet)
            if len(reason) > 200:
                problems.add(row.number, "原因", "不能超过200个字符", sheet)
            if number:
                try:
                    idnumbers.parse(number)
                except idnumbers.IdNumberError as exc:
                    problems.add(row.number, "公民身份号码", str(exc), sheet)
                    continue
            meeting = by_key.get(key or "")
            target = (meeting.unit, meeting.kind, meeting.date) if meeting else None
            if target is None and key:
                if key in keys_in_file:
                    continue  # the meeting row itself was refused; its problem is already listed
                found = existing.get(key)
                if found is None:
                    problems.add(row.number, "会议编号", f"会议“{key}”不在“会议”表中，系统中也没有", sheet)
                    continue
                target = (found.unit, found.kind, found.date)
            person = people.get(number or "")
            if number and person is None:
                problems.add(row.number, "公民身份号码", "系统中没有此人，请先导入党员名册", sheet)
                continue
            if target is None or person is None or label is None:
                continue
            unit, kind, date = target
            if not _expected(person, memberships[person.pk], unit, kind, date):
                problems.add(row.number, "公民身份号码",
                             f"{person.name}在{date:%Y-%m-%d}不是“{unit.name}”的应到党员", sheet)
            if len(problems.lines) == start:
                plan.attendance[key].append(AttendanceRow(row.number, key, person, ATTENDANCE_BY_LABEL[label], reason))

    def apply(self, plan: Plan, result: ImportResult, *, actor: Any) -> None:
        for row in plan.meetings:
            try:
                changed = self._apply_meeting(row, plan.attendance.pop(row.key, []), actor)
            except ValidationError as exc:
                raise RowError(f"{MEETING_SHEET} 第{row.number}行 ：{_text(exc)}") from exc
            if row.existing is None:
                result.created += 1
                result.change(f"新增 {row.key} {row.date:%Y-%m-%d} {row.unit.name} {row.topic}")
            elif changed:
                result.updated += 1
                result.change(f"更新 {row.key} {row.topic}")
            else:
                result.unchanged += 1
        # Attendance rows for meetings that are already in the portal and not in the 会议 sheet.
        for key, rows in plan.attendance.items():
            meeting = Meeting.objects.get(number=key)
            try:
                changed = self._apply_attendance(meeting, rows, actor)
            except ValidationError as exc:
                raise RowError(f"{ATTENDANCE_SHEET} 第{rows[0].number}行 ：{_text(exc)}") from exc
            if changed:
                result.updated += 1
                result.change(f"更新 {key}：出勤")
            else:
                result.unchanged += 1

    def _apply_meeting(self, row: MeetingRow, attendance: list[AttendanceRow], actor: Any) -> bool:
        if row.existing is None:
            meeting = services.meeting_create(actor=actor, unit=row.unit, kind=row.kind, date=row.date, topic=row.topic,
                                              number=row.key, **row.fields)
            self._apply_attendance(meeting, attendance, actor)
            if not meeting.attendance.exists():
                raise ValidationError(f"“{row.unit.name}”在{row.date:%Y-%m-%d}没有在册党员，无法确定应到人员")
            services.meeting_confirm(actor=actor, meeting=meeting)
            return True
        meeting = row.existing
        changes = {name: value for name, value in {"topic": row.topic, **row.fields}.items()
                   if getattr(meeting, name) != value}
        changed = False
        if changes:
            if meeting.status == MeetingStatus.DRAFT:
                services.meeting_update(actor=actor, meeting=meeting, **changes)
            else:
                services.meeting_amend(actor=actor, meeting=meeting, reason="Excel导入更正", **changes)
            changed = True
        return self._apply_attendance(meeting, attendance, actor) or changed

    @staticmethod
    def _apply_attendance(meeting: Meeting, rows: list[AttendanceRow], actor: Any) -> bool:
        current = {a.person_id: (a.status, a.reason) for a in meeting.attendance.all()}
        changed = False
        for row in rows:
            wanted = (row.status, row.reason if row.status != AttendanceStatus.PRESENT else "")
            if current.get(row.person.pk) == wanted:
                continue
            services.attendance_set(actor=actor, meeting=meeting, person=row.person, status=row.status,
                                    reason=row.reason,
                                    amend_reason="Excel导入更正" if meeting.status == MeetingStatus.CONFIRMED else "")
            changed = True
        return changed


def _expected(person: Person, memberships: list[Membership], unit: OrgUnit, kind: str, day: dt.date) -> bool:
    if services.party_status_on(person, day) is None:
        return False
    if kind == MeetingKind.COMMITTEE:
        return any(p.pk == person.pk for p in services.expected_people(unit, kind, day))
    for membership in memberships:
        active = membership.started_on <= day and (membership.ended_on is None or membership.ended_on > day)
        in_unit = membership.group_id == unit.pk if unit.kind == UnitKind.GROUP else membership.unit_id == unit.pk
        if active and in_unit:
            return True
    return False


def _text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "；".join(message for messages in exc.message_dict.values() for message in messages)
    return "；".join(exc.messages)
