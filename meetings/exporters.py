"""``export meetings`` (会议台账 + 出勤, round-trips with the importer) and ``export compliance``."""

from __future__ import annotations

import json
from typing import Any

from branches.exporting import CONTENT_TYPES, Exporter, ExportOutput, register_exporter, xlsx_bytes
from branches.models import OrgUnit, in_subtree
from branches.periods import Period
from members import idnumbers

from .compliance import STATUS_LABELS, evaluate
from .importers import ATTENDANCE_COLUMNS, ATTENDANCE_SHEET, MEETING_COLUMNS, MEETING_SHEET
from .models import Attendance, Meeting, MeetingKind, MeetingStatus, attendance_annotations

LEDGER_EXTRA = ["党组织名称", "同时计为", "状态", "应到", "实到", "请假", "缺席", "列席", "补学"]
ATTENDANCE_EXTRA = ["姓名", "补学日期", "补学说明"]


def meeting_queryset(unit: OrgUnit, period: Period) -> Any:
    """The period's meetings (drafts too, not voided) with each one's attendance counted as the
    meeting list counts it (``models.attendance_annotations``)."""
    return (
        Meeting.objects.filter(in_subtree(unit, "unit"), date__gte=period.start, date__lte=period.end)
        .exclude(status=MeetingStatus.VOID)
        .select_related("unit")
        .annotate(**attendance_annotations())
        .order_by("date", "unit__path", "number")
    )


def ledger_rows(meetings: Any) -> list[list[Any]]:
    rows = []
    for m in meetings:
        rows.append([
            m.number, m.unit.code, m.get_kind_display(), m.date, m.topic,
            m.start_time.strftime("%H:%M") if m.start_time else "", m.place, m.host, m.recorder, m.lecturer, m.minutes,
            m.unit.name, "、".join(MeetingKind(kind).label for kind in m.counted_kinds[1:]),
            m.get_status_display(), m.n_expected, m.n_present, m.n_leave, m.n_absent, m.n_observer, m.n_makeup,
        ])
    return rows


def attendance_rows(unit: OrgUnit, period: Period, *, mask: bool) -> list[list[Any]]:
    rows = (
        Attendance.objects.filter(in_subtree(unit, "meeting__unit"), meeting__date__gte=period.start,
                                  meeting__date__lte=period.end)
        .exclude(meeting__status=MeetingStatus.VOID)
        .select_related("meeting", "person")
        .order_by("meeting__date", "meeting__number", "person__pinyin", "person_id")
    )
    return [
        [a.meeting.number, idnumbers.mask(a.person.id_number) if mask else a.person.id_number, a.get_status_display(),
         a.reason, a.person.name, a.makeup_on or "", a.makeup_note]
        for a in rows
    ]


@register_exporter
class MeetingsExporter(Exporter):
    identifier = "meetings"
    label = "会议台账"
    formats = ("xlsx",)
    personal_data = True

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:
        mask = not self.full_personal_data(user, unit)
        content = xlsx_bytes(
            [
                (MEETING_SHEET, [c.header for c in MEETING_COLUMNS] + LEDGER_EXTRA,
                 ledger_rows(meeting_queryset(unit, period))),
                (ATTENDANCE_SHEET, [c.header for c in ATTENDANCE_COLUMNS] + ATTENDANCE_EXTRA,
                 attendance_rows(unit, period, mask=mask)),
            ],
            widths={MEETING_SHEET: [22, 14, 12, 12, 30, 10, 16, 10, 10, 10, 40, 20, 14, 8, 6, 6, 6, 6, 6, 6],
                    ATTENDANCE_SHEET: [22, 22, 10, 20, 10, 12, 20]},
        )
        return ExportOutput(self.filename(unit, period, fmt), CONTENT_TYPES[fmt], content)


COMPLIANCE_HEADERS = ["组织编码", "组织名称", "类型", "规则", "应开展", "已开展", "实际次数", "状态", "状态代码",
                      "最近截止日期", "未完成的期间"]


@register_exporter
class ComplianceExporter(Exporter):
    identifier = "compliance"
    label = "组织生活合规"
    formats = ("json", "xlsx")

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:
        report = evaluate(unit, period)
        if fmt == "json":
            content = json.dumps(report.as_json(), ensure_ascii=False, indent=2).encode("utf-8")
        else:
            rows = []
            for result in report.units:
                for rule in result.rules:
                    due = rule.due_by(report.on)
                    rows.append([
                        result.unit.code, result.unit.name, result.unit.get_kind_display(), rule.name, rule.required,
                        rule.held, rule.actual, STATUS_LABELS[rule.status], rule.status, due or "",
                        "、".join(part.period.label for part in rule.missed_parts(report.on)),
                    ])
            content = xlsx_bytes([("组织生活合规", COMPLIANCE_HEADERS, rows)],
                                 widths={"组织生活合规": [14, 24, 8, 14, 8, 8, 8, 8, 10, 14, 40]})
        return ExportOutput(self.filename(unit, period, fmt), CONTENT_TYPES[fmt], content)
