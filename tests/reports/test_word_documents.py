"""The two Word documents people hand in as they are — the work report and the meeting record:
rendered from templates a 党委办公室 edits (版头, 主送机关, signature without code), GB/T 9704 title
breaking, 附件 note and pages, file properties, attendance by name, and LibreOffice's rendering.

``ZHIBU_DOCX_PNG_DIR=/some/dir`` keeps PNG pages of the LibreOffice renders for a person to look at."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from branches import gongwen
from branches.periods import Period
from meetings import documents
from meetings.models import AttendanceStatus, Meeting, MeetingKind, MotionKind
from meetings.services import attendance_set, meeting_amend, vote_record
from reports import workreport_docx
from reports.models import PlanStatus, WorkPlanItem
from reports.workreport_docx import WorkReportExporter
from tests.factories import make_person
from tests.meetings.conftest import held

YEAR = Period.parse("2026")
pytestmark = pytest.mark.clock("2026-12-05")


def report_document(unit, period=YEAR) -> Document:
    return Document(BytesIO(WorkReportExporter().render(unit=unit, period=period, fmt="docx", user=None).content))


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


@pytest.fixture
def records(tree):
    a = tree["branch_a"]
    for _ in range(3):
        make_person(a)
    make_person(tree["branch_b"])
    held(a, MeetingKind.GENERAL, dt.date(2026, 3, 1))
    WorkPlanItem.objects.create(unit=tree["committee"], year=2026, title="开展支部标准化建设", owner=tree["committee"],
                                due_on=dt.date(2026, 12, 31), status=PlanStatus.DONE, evidence="2个支部达标")
    return tree


@pytest.mark.parametrize(("phrases", "lines"), [
    (("市发展和改革委员会机关党委", "2026年度党建工作报告"), ["市发展和改革委员会机关党委", "2026年度党建工作报告"]),
    (("测试机关党委", "2026年上半年党建工作总结"), ["测试机关党委2026年上半年党建工作总结"]),
    (("第一党支部", "党员大会、支部委员会、党小组会会议记录"), ["第一党支部", "党员大会、支部委员会、党小组会会议记录"]),
    # a name longer than a line breaks after one of its words, never inside one
    (("中国共产党某某市某某区发展和改革委员会机关第一党支部委员会", "2026年度党建工作报告"),
     ["中国共产党某某市某某区发展和改革委员会", "机关第一党支部委员会", "2026年度党建工作报告"]),
])
def test_titles_break_between_words_and_fit_the_line(phrases, lines):
    assert gongwen.title_lines(*phrases) == lines
    assert all(gongwen.display_width(line) <= gongwen.TITLE_LINE_WIDTH for line in lines)


def test_two_lines_prefer_the_shorter_line_on_top():
    assert gongwen.title_lines("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉", "关于", "的报告") == [
        "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉", "关于的报告"]  # the name alone fills a line
    assert gongwen.title_lines("某某", "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午", "报告") == [
        "某某", "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午报告"]  # 上短下长


@pytest.mark.django_db
def test_work_report_has_banner_recipient_attachment_note_and_pages(records):
    document = report_document(records["branch_a"])
    lines = texts(document)
    assert lines[0] == "第一党支部" and lines[1] == "第一党支部2026年度党建工作报告"
    banner = document.paragraphs[0]
    assert banner.runs[0].font.color.rgb == gongwen.RED
    assert banner._p.pPr.find(qn("w:pBdr")) is not None  # the red rule under it
    assert banner.runs[0].font.size.pt == 30
    assert lines[2] == "测试机关党委："  # 主送机关: the branch reports to its committee
    note = next(i for i, text in enumerate(lines) if text.startswith("附件："))
    assert lines[note] == "附件：党费收缴情况"  # a single attachment takes no number
    assert lines[note + 2: note + 4] == ["第一党支部", "2026年12月5日"]  # then the signature
    label = lines.index("附件")
    assert label > note + 3 and document.paragraphs[label].paragraph_format.page_break_before
    assert document.paragraphs[label].runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    head = document.paragraphs[label + 2]
    assert head.style.name == "Title" and head.text == "党费收缴情况"
    assert not any("{{" in text for text in lines)


@pytest.mark.django_db
def test_annual_committee_report_numbers_its_attachments_and_has_no_recipient(records):
    lines = texts(report_document(records["committee"]))
    assert not any(text.endswith("：") and len(text) < 20 for text in lines[2:3])  # no parent, no 主送机关
    note = next(i for i, text in enumerate(lines) if text.startswith("附件："))
    assert lines[note] == "附件：1. 党费收缴情况"
    assert lines[note + 1] == "2. 2026年党建工作要点完成情况"
    assert "附件1" in lines and "附件2" in lines
    assert lines.index("附件1") > lines.index("2026年12月5日")


@pytest.mark.django_db
def test_work_report_properties_are_the_units(records):
    document = report_document(records["branch_a"])
    props = document.core_properties
    assert props.title == "第一党支部2026年度党建工作报告"
    assert props.author == props.last_modified_by == "第一党支部"
    assert props.comments == "" and props.created.date() == dt.date(2026, 12, 5)
    assert props.created.hour == 2  # 10:00 in Asia/Shanghai is 02:00 UTC, as core.xml stores it
    rels = [rel.reltype for rel in document.part.package.rels.values()]
    assert not any(rel.endswith("/thumbnail") for rel in rels)
    app = document.part.package.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties").blob.decode()
    assert "<Application>支部台账</Application>" in app and "第一党支部" in app


def _edit_template(source: Path, target: Path, replacements: dict[str, str]) -> None:
    """What a clerk does in Word: types over a placeholder paragraph."""
    document = Document(str(source))
    for para in document.paragraphs:
        if para.text in replacements:
            gongwen.set_lines(para, [replacements[para.text]])
    document.save(str(target))


@pytest.mark.django_db
def test_committee_puts_in_its_own_banner_recipient_and_signature_by_editing_the_template(records, settings, tmp_path):
    _edit_template(workreport_docx.TEMPLATE_DIR / workreport_docx.TEMPLATE_NAME, tmp_path / "work_report.docx", {
        "{{发文机关}}": "中共测试市直机关工作委员会文件",
        "{{主送机关}}：": "中共测试市委组织部：",
        "{{署名}}": "中共测试市直机关工作委员会（盖章）",
    })
    settings.WORD_TEMPLATE_DIR = str(tmp_path)
    lines = texts(report_document(records["committee"]))
    assert lines[0] == "中共测试市直机关工作委员会文件"
    assert "中共测试市委组织部：" in lines
    assert "中共测试市直机关工作委员会（盖章）" in lines and "测试机关党委" not in lines
    settings.WORD_TEMPLATE_DIR = str(tmp_path / "elsewhere")  # no copy there: the shipped template
    assert texts(report_document(records["committee"]))[0] == "测试机关党委"


def test_shipped_templates_hold_their_placeholders():
    report = "\n".join(texts(Document(str(workreport_docx.TEMPLATE_DIR / workreport_docx.TEMPLATE_NAME))))
    for name in ("发文机关", "标题", "主送机关", "正文", "附件说明", "署名", "成文日期", "附件"):
        assert f"{{{{{name}}}}}" in report
    record = "\n".join(texts(Document(str(documents.TEMPLATE_DIR / documents.TEMPLATE_NAME))))
    assert "{{标题}}" in record and "{{记录}}" in record


@pytest.fixture
def full_meeting(tree):
    a = tree["branch_a"]
    people = [make_person(a, name=name) for name in ("张三", "李四", "王五", "赵六", "孙七")]
    meeting = held(a, MeetingKind.GENERAL, dt.date(2026, 11, 20), status="draft", place="党员活动室",
                   host="张三", recorder="李四", agenda="1. 传达学习\n2. 讨论接收预备党员", minutes="会议内容……",
                   resolutions="同意接收周八为预备党员")
    attendance_set(actor=None, meeting=meeting, person=people[3], status=AttendanceStatus.LEAVE, reason="出差")
    attendance_set(actor=None, meeting=meeting, person=people[4], status=AttendanceStatus.ABSENT)
    vote_record(actor=None, meeting=meeting, motion_kind=MotionKind.OTHER,
                motion="关于接收周八同志为中共预备党员的决议（支部大会表决）", votes_for=3)
    Meeting.objects.filter(pk=meeting.pk).update(status="confirmed")
    meeting.refresh_from_db()
    meeting_amend(actor=None, meeting=meeting, reason="笔误", minutes="更正后的会议内容")
    return Meeting.objects.get(pk=meeting.pk)


@pytest.mark.django_db
def test_meeting_record_names_attendees_and_numbers_every_section(full_meeting):
    document = Document(BytesIO(documents.meeting_record_docx([full_meeting])))
    lines = texts(document)
    assert lines[0] == "第一党支部党员大会会议记录"
    attendance = next(text for text in lines if text.startswith("出席情况："))
    assert re.fullmatch(r"出席情况：应到5人；实到3人：[张李王三四五、]+；请假1人：赵六（出差）；缺席1人：孙七", attendance)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、会议议程", "二、会议内容", "三、会议决议", "四、表决情况", "五、更正记录"]
    table = document.tables[0]
    widths = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.gridCol_lst]
    assert widths[0] > 3 * widths[1] and abs(sum(widths) - 156 * 56.7) < 60  # 议题 wide, the text block filled
    assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    assert document.core_properties.author == "第一党支部"
    assert lines[-1].startswith("主持人（签字）")


@pytest.mark.django_db
def test_meeting_record_template_block_repeats_for_each_meeting(full_meeting, settings, tmp_path):
    source = documents.TEMPLATE_DIR / documents.TEMPLATE_NAME
    document = Document(str(source))
    document.paragraphs[-1].insert_paragraph_before("中共测试机关党委组织部监制")
    document.save(str(tmp_path / documents.TEMPLATE_NAME))
    settings.WORD_TEMPLATE_DIR = str(tmp_path)
    other = held(full_meeting.unit, MeetingKind.COMMITTEE, dt.date(2026, 11, 25))
    document = Document(BytesIO(documents.meeting_record_docx([full_meeting, other])))
    lines = texts(document)
    assert lines.count("中共测试机关党委组织部监制") == 2
    second = lines.index("第一党支部支委会会议记录")
    assert document.paragraphs[second].paragraph_format.page_break_before


def _render(path: Path, out: Path) -> int:
    """Convert with LibreOffice and return the page count (and keep PNGs when asked)."""
    result = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(path)],
                            capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    pdf = out / (path.stem + ".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    keep = os.environ.get("ZHIBU_DOCX_PNG_DIR")
    if keep and shutil.which("pdftoppm"):
        Path(keep).mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(Path(keep) / path.stem)], check=True)
    return pages


@pytest.mark.django_db
@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdfinfo")),
                    reason="需要 LibreOffice 与 poppler-utils（apt-get install libreoffice-writer-nogui poppler-utils）")
def test_libreoffice_renders_both_documents(records, full_meeting, tmp_path):
    report = tmp_path / "work_report.docx"
    report.write_bytes(WorkReportExporter().render(unit=records["committee"], period=YEAR, fmt="docx",
                                                   user=None).content)
    # body (1–2 pages), then each of the two 附件 on a page of its own
    assert 3 <= _render(report, tmp_path) <= 5
    record = tmp_path / "meeting_record.docx"
    record.write_bytes(documents.meeting_record_docx([full_meeting]))
    assert 1 <= _render(record, tmp_path) <= 2  # the record and its signature line



def test_docx_templates_command_writes_copies_to_edit(tmp_path):
    from django.core.management import call_command

    call_command("docx_templates", out=tmp_path, stdout=StringIO())
    for name in (workreport_docx.TEMPLATE_NAME, documents.TEMPLATE_NAME):
        document = Document(str(tmp_path / name))
        assert document.core_properties.author == "" and "{{标题}}" in "\n".join(texts(document))
