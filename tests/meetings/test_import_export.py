"""``import_xlsx meetings``, ``export meetings`` and ``export compliance`` per cli.md."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from meetings.models import Amendment, Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingStatus
from members.models import Status
from tests.factories import make_person

from .conftest import held

MEETING_HEADER = ["会议编号*", "党组织编码*", "会议类型*", "日期*", "主题*", "开始时间", "地点", "主持人", "记录人",
                  "授课人", "内容摘要"]
ATTENDANCE_HEADER = ["会议编号*", "公民身份号码*", "出勤情况*", "原因"]


def workbook(path, meetings, attendance, *, sheets=("会议", "出勤")):
    book = Workbook()
    first = book.active
    first.title = sheets[0]
    first.append(MEETING_HEADER)
    for row in meetings:
        first.append(row)
    if len(sheets) > 1:
        second = book.create_sheet(sheets[1])
        second.append(ATTENDANCE_HEADER)
        for row in attendance:
            second.append(row)
    book.save(path)
    return str(path)


def run_import(path, *extra):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_xlsx", "meetings", path, *extra, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def people(tree):
    branch = tree["branch_a"]
    return [make_person(branch, group=tree["group_a"] if i < 2 else None, joined_on=dt.date(2020, 1, 1))
            for i in range(4)]


def good_rows(tree, people):
    branch, group = tree["branch_a"], tree["group_a"]
    meetings = [
        ["HY-001", branch.code, "党员大会", "2025-07-05", "学习党章", "14:30", "三楼会议室", "李书记", "王委员", "",
         "传达学习"],
        ["HY-002", group.code, "党小组会", "2025/7/9", "交流心得", None, None, None, None, None, None],
        ["HY-003", branch.code, "主题党日", "2025年8月1日", "参观教育基地", None, None, None, None, None, None],
    ]
    attendance = [
        ["HY-001", people[0].id_number, "请假", "出差"],
        ["HY-001", people[1].id_number, "缺席", ""],
        ["HY-002", people[0].id_number, "出席", ""],
    ]
    return meetings, attendance


def test_import_creates_confirmed_meetings_with_attendance(tree, people, tmp_path):
    meetings, attendance = good_rows(tree, people)
    code, out, err = run_import(workbook(tmp_path / "m.xlsx", meetings, attendance))
    assert code == 0, err
    assert "新增3条" in out
    first = Meeting.objects.get(number="HY-001")
    assert first.status == MeetingStatus.CONFIRMED and first.start_time == dt.time(14, 30)
    statuses = dict(first.attendance.values_list("person_id", "status"))
    assert statuses == {people[0].pk: "leave", people[1].pk: "absent", people[2].pk: "present",
                        people[3].pk: "present"}
    assert Meeting.objects.get(number="HY-002").attendance.count() == 2  # the 党小组's members only
    # Re-importing the same file changes nothing.
    code, out, _ = run_import(workbook(tmp_path / "m2.xlsx", meetings, attendance))
    assert code == 0 and "新增0条" in out and "更新0条" in out and "3条无变化" in out
    assert Amendment.objects.count() == 0


def test_reimport_with_a_change_amends_the_confirmed_meeting(tree, people, tmp_path):
    meetings, attendance = good_rows(tree, people)
    run_import(workbook(tmp_path / "m.xlsx", meetings, attendance))
    meetings[0][4] = "学习新党章"
    code, out, _ = run_import(workbook(tmp_path / "m2.xlsx", meetings, attendance))
    assert code == 0 and "更新1条" in out
    amendment = Amendment.objects.get()
    assert amendment.changes == {"主题": ["学习党章", "学习新党章"]}


def test_dry_run_writes_nothing(tree, people, tmp_path):
    meetings, attendance = good_rows(tree, people)
    code, out, _ = run_import(workbook(tmp_path / "m.xlsx", meetings, attendance), "--dry-run")
    assert code == 0 and "将新增3条" in out
    assert Meeting.objects.count() == 0 and Attendance.objects.count() == 0


def test_refused_import_lists_every_problem_and_writes_nothing(tree, people, tmp_path):
    outsider = make_person(tree["branch_b"])
    activist = make_person(tree["branch_a"], status=Status.ACTIVIST)
    meetings, attendance = good_rows(tree, people)
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    meetings += [
        ["HY-001", tree["branch_a"].code, "党员大会", "2025-07-06", "重复编号", None, None, None, None, None, None],
        ["HY-010", "NOPE", "党员大会", "2025-07-06", "未知组织", None, None, None, None, None, None],
        ["HY-011", tree["branch_a"].code, "茶话会", "2025-07-06", "未知类型", None, None, None, None, None, None],
        ["HY-012", tree["branch_a"].code, "党课", future, "未来", None, None, None, None, None, None],
        ["HY-013", tree["branch_a"].code, "党小组会", "2025-07-06", "类型不符", None, None, None, None, None, None],
        ["HY-014", tree["branch_a"].code, "党课", "2025-02-30", "", "25:00", None, None, None, None, None],
    ]
    attendance += [
        ["HY-001", outsider.id_number, "出席", ""],
        ["HY-001", activist.id_number, "出席", ""],
        ["HY-003", people[2].id_number, "请假", ""],
        ["HY-003", "110101199001011234", "出席", ""],
        ["HY-999", people[2].id_number, "出席", ""],
        ["HY-001", people[0].id_number, "出席", ""],
    ]
    code, _, err = run_import(workbook(tmp_path / "bad.xlsx", meetings, attendance))
    assert code == 1
    for expected in [
        "会议 第5行 会议编号：与第2行重复",
        "会议 第6行 党组织编码：党组织编码“NOPE”不存在",
        "会议 第7行 会议类型：“茶话会”不是有效选项",
        "会议 第8行 日期：",
        "会议 第9行 党组织编码：党小组会应填写党小组编码",
        "会议 第10行 日期：日期“2025-02-30”不存在",
        "会议 第10行 主题：必填",
        "会议 第10行 开始时间：时间“25:00”不存在",
        f"出勤 第5行 公民身份号码：{outsider.name}在2025-07-05不是“{tree['branch_a'].name}”的应到党员",
        f"出勤 第6行 公民身份号码：{activist.name}在2025-07-05不是",
        "出勤 第7行 原因：请假须填写原因",
        "出勤 第8行 公民身份号码：公民身份号码校验位错误",
        "出勤 第9行 会议编号：会议“HY-999”不在“会议”表中，系统中也没有",
        "出勤 第10行 公民身份号码：与第2行重复",
    ]:
        assert expected in err, f"{expected!r} not in:\n{err}"
    assert Meeting.objects.count() == 0 and Attendance.objects.count() == 0


def test_missing_sheet_or_column_is_refused(tree, people, tmp_path):
    meetings, _ = good_rows(tree, people)
    code, _, err = run_import(workbook(tmp_path / "one.xlsx", meetings, [], sheets=("会议",)))
    assert code == 1 and "缺少工作表“出勤”" in err
    not_a_workbook = tmp_path / "x.xlsx"
    not_a_workbook.write_text("hello")
    code, _, err = run_import(str(not_a_workbook))
    assert code == 1 and "不是可读取的 Excel 工作簿" in err
    assert Meeting.objects.count() == 0


def test_import_of_a_unit_without_members_is_refused_whole(tree, people, tmp_path):
    meetings, attendance = good_rows(tree, people)
    meetings.append(["HY-020", tree["branch_b"].code, "党员大会", "2025-07-05", "空支部", None, None, None, None, None,
                     None])
    code, _, err = run_import(workbook(tmp_path / "m.xlsx", meetings, attendance))
    assert code == 1 and "会议 第5行" in err and "没有在册党员" in err
    assert Meeting.objects.count() == 0 and Attendance.objects.count() == 0


# --- export --------------------------------------------------------------------------------


def export(tmp_path, exporter, org, period, name):
    target = tmp_path / name
    call_command("export", exporter, "--org", org, "--period", period, "--out", str(target), stdout=io.StringIO())
    return target


def test_export_meetings_counts_and_round_trip(tree, people, tmp_path):
    meetings, attendance = good_rows(tree, people)
    run_import(workbook(tmp_path / "m.xlsx", meetings, attendance))
    held(tree["branch_a"], MeetingKind.LECTURE, dt.date(2025, 9, 1), status=MeetingStatus.VOID)
    target = export(tmp_path, "meetings", tree["committee"].code, "2025Q3", "out.xlsx")
    book = load_workbook(target)
    assert book.sheetnames == ["会议", "出勤"]
    rows = list(book["会议"].iter_rows(values_only=True))
    header = rows[0]
    assert list(header[:11]) == MEETING_HEADER
    first = dict(zip(header, rows[1], strict=True))
    assert (first["会议编号*"], first["应到"], first["实到"], first["请假"], first["缺席"]) == ("HY-001", 4, 2, 1, 1)
    assert len(rows) == 4  # the void meeting is left out
    attendance_rows = list(book["出勤"].iter_rows(values_only=True))
    assert len(attendance_rows) == 1 + 4 + 2 + 4
    # The exported workbook imports back unchanged.
    code, out, err = run_import(str(target))
    assert code == 0, err
    assert "新增0条" in out and "更新0条" in out
    assert Attendance.objects.filter(status=AttendanceStatus.LEAVE).count() == 1


def test_export_compliance_json_and_xlsx(tree, people, tmp_path):
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2025, 7, 1))
    data = json.loads(export(tmp_path, "compliance", tree["committee"].code, "2025Q3", "c.json").read_text())
    assert data["org"] == tree["committee"].code and data["period"] == "2025Q3"
    unit = next(u for u in data["units"] if u["code"] == tree["branch_a"].code)
    assert unit["rules"][0] == {"kind": "党员大会", "required": 1, "held": 1, "status": "met"}
    other = next(u for u in data["units"] if u["code"] == tree["branch_b"].code)
    assert other["rules"][0] == {"kind": "党员大会", "required": 1, "held": 0, "status": "missing"}
    book = load_workbook(export(tmp_path, "compliance", tree["committee"].code, "2025Q3", "c.xlsx"))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:8] == ("组织编码", "组织名称", "类型", "规则", "应开展", "已开展", "实际次数", "状态")
    expected = (tree["branch_a"].code, tree["branch_a"].name, "党支部", "党员大会", 1, 1, 1, "已完成")
    assert expected in [r[:8] for r in rows]


@pytest.mark.parametrize(("org", "period", "name"), [("NOPE", "2025Q3", "c.json"), ("", "2025Q5", "c.json"),
                                                       ("", "2025Q3", "c.docx")])
def test_export_usage_errors_exit_2(tree, tmp_path, org, period, name):
    with pytest.raises(CommandError) as error:
        export(tmp_path, "compliance", org or tree["committee"].code, period, name)
    assert error.value.returncode == 2
