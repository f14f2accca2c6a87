"""Work reports: the figures in the Word file equal the records; the layout is GB/T 9704; the
narrative survives regeneration; access is scoped."""

import datetime as dt
import re
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from branches.periods import Period
from meetings.models import Meeting, MeetingKind, MeetingStatus
from members import services as people
from reports.models import ReportDraft, WorkPlanItem
from reports.workreport import FIGURES, Scope, build
from reports.workreport_docx import WorkReportExporter
from tests.factories import make_person
from tests.meetings.conftest import held

H1 = Period.parse("2026H1")


@pytest.fixture
def records(tree):
    a, b = tree["branch_a"], tree["branch_b"]
    for _ in range(3):
        make_person(a)
    make_person(b)
    make_person(a, status="applicant", applied_on=dt.date(2026, 3, 2))
    leaving = make_person(b)
    people.member_transfer_out(actor=None, person=leaving, date=dt.date(2026, 4, 1), external_org="外省某单位")
    mover = make_person(a)
    people.member_transfer_out(actor=None, person=mover, date=dt.date(2026, 5, 1), to_unit=b)
    held(a, MeetingKind.GENERAL, dt.date(2026, 3, 1))
    held(a, MeetingKind.THEME_DAY, dt.date(2026, 4, 1), also_lecture=True)
    held(b, MeetingKind.LECTURE, dt.date(2026, 6, 30))
    held(b, MeetingKind.LECTURE, dt.date(2026, 7, 1))  # next half-year
    held(a, MeetingKind.GENERAL, dt.date(2026, 5, 1), status=MeetingStatus.DRAFT)  # drafts do not count
    return tree


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(BytesIO(content)).paragraphs)


@pytest.mark.django_db
@pytest.mark.parametrize("unit_key", ["committee", "branch_a"])
def test_docx_figures_equal_the_records(records, unit_key):
    unit = records[unit_key]
    output = WorkReportExporter().render(unit=unit, period=H1, fmt="docx", user=None)
    text = docx_text(output.content)
    path = unit.path
    confirmed = Meeting.objects.filter(unit__path__startswith=path, status=MeetingStatus.CONFIRMED,
                                       date__range=(H1.start, H1.end))
    general = confirmed.filter(kind=MeetingKind.GENERAL).count()
    lectures = confirmed.filter(kind=MeetingKind.LECTURE).count() + confirmed.filter(also_lecture=True).count()
    assert f"党员大会{general}次" in text
    assert f"党课{lectures}次" in text
    report = build(unit, H1)
    for key in ("members-full", "dev-applied", "transfers-in", "transfers-out"):
        assert report[key].value == FIGURES[key].records(Scope(unit, H1)).count()
    assert f"正式党员{report['members-full'].value}名" in text
    assert f"收到入党申请{report['dev-applied'].value}人" in text
    assert f"转入党员{report['transfers-in'].value}人次，转出党员{report['transfers-out'].value}人次" in text
    assert not re.search(r"X[次人个名元%]", text)  # no placeholder left for a person to fill in


@pytest.mark.django_db
def test_transfers_count_only_crossing_the_scope(records):
    committee, a, b = records["committee"], records["branch_a"], records["branch_b"]
    assert build(committee, H1)["transfers-out"].value == 1  # only the one who left the committee
    assert build(committee, H1)["transfers-in"].value == 0
    assert build(a, H1)["transfers-out"].value == 1
    assert build(b, H1)["transfers-in"].value == 1 and build(b, H1)["transfers-out"].value == 1


@pytest.mark.django_db
def test_layout_settings(records):
    document = Document(BytesIO(WorkReportExporter().render(unit=records["committee"], period=H1, fmt="docx",
                                                            user=None).content))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert document.styles["Title"].font.size == Pt(22)
    assert document.styles["Title"].element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert document.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert document.styles["Heading 2"].element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "— " in footer_xml
    assert section.even_page_footer.paragraphs[0].alignment == 0  # left on even pages
    assert document.settings.element.find(qn("w:evenAndOddHeaders")) is not None
    assert document.paragraphs[0].text == "测试机关党委"  # the 版头
    assert document.paragraphs[1].style.name == "Title"
    assert document.paragraphs[1].text == "测试机关党委2026年上半年党建工作总结"


@pytest.mark.django_db
def test_narrative_survives_regeneration_and_plan_is_reported(records, client_for, staff, owner):
    committee = records["committee"]
    client = client_for(staff)
    url = reverse("reports:work_report", args=[committee.pk, "2026"])
    response = client.post(url, {"opening": "开头文字", "achievements": "成效一", "problems": "问题一", "next_steps": "重点一"})
    assert response.status_code == 302
    plan = reverse("reports:work_plan", args=[committee.pk, 2026])
    assert client.post(plan, {"title": "开展支部标准化建设", "owner": committee.pk, "due_on": "2026-12-31",
                              "status": "planned"}).status_code == 302
    item = WorkPlanItem.objects.get()
    refused = client.post(reverse("reports:plan_item_update", args=[item.pk]), {"status": "done", "evidence": ""}, follow=True)
    assert "销账须填写" in refused.content.decode()
    client.post(reverse("reports:plan_item_update", args=[item.pk]), {"status": "done", "evidence": "6个支部达标"})
    held(records["branch_a"], MeetingKind.GENERAL, dt.date(2026, 9, 1))  # records change; text must stay
    text = docx_text(WorkReportExporter().render(unit=committee, period=Period.parse("2026"), fmt="docx", user=None).content)
    assert "开头文字" in text and "问题一" in text and "重点一" in text
    assert "年初确定工作要点1项，已完成（销账）1项" in text
    assert ReportDraft.objects.get().history.count() == 1
    # a secretary may read the committee's report? No: it is outside their branch.
    assert client_for(owner).get(url).status_code == 404


@pytest.mark.django_db
def test_access(records, client_for, owner, staff, outsider, viewer):
    a = records["branch_a"]
    url = reverse("reports:work_report", args=[a.pk, "2026H1"])
    assert client_for(owner).get(url).status_code == 200
    assert client_for(staff).get(url).status_code == 200
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(viewer).post(url, {"opening": "x"}).status_code == 403
    assert client_for(staff).post(url, {"opening": "x"}).status_code == 403
    records_url = reverse("reports:work_records", args=[a.pk, "2026H1", "meetings-general"])
    assert "党员大会" in client_for(owner).get(records_url).content.decode()
    assert client_for(outsider).get(records_url).status_code == 404
    quarter = client_for(owner).get(reverse("reports:work_report", args=[a.pk, "2026Q1"]))
    assert quarter.status_code == 400 and "此处的期间应为半年或年度" in quarter.content.decode()
    assert client_for(owner).get(reverse("reports:work_records", args=[a.pk, "2026H1", "nope"])).status_code == 404
    assert client_for(owner).delete(url).status_code == 405


@pytest.mark.django_db
def test_generation_job_and_download_is_scoped(records, client_for, owner, outsider, django_capture_on_commit_callbacks):
    a = records["branch_a"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(reverse("reports:export"), {"exporter": "work-report", "unit": a.pk,
                                                                       "period": "2026H1", "format": "docx"})
    assert response.status_code == 302
    from reports.models import Job

    job = Job.objects.get()
    assert job.state == Job.State.DONE, job.message
    assert client_for(owner).get(reverse("reports:job_download", args=[job.pk])).status_code == 200
    assert client_for(outsider).get(reverse("reports:job_download", args=[job.pk])).status_code == 404
    assert client_for(outsider).post(reverse("reports:export"), {"exporter": "work-report", "unit": a.pk,
                                                                  "period": "2026H1", "format": "docx"}).status_code == 404


@pytest.mark.django_db
def test_compliance_is_the_grids_verdict_judged_once_the_period_is_over(tree, client_for, staff):
    """A half-year over is judged as over (not as on its last day, when every rule still looked
    "due"), and a branch whose 党小组 missed its 党小组会 is behind, as the committee grid shows it."""
    from zoneinfo import ZoneInfo

    import time_machine

    make_person(tree["branch_a"], group=tree["group_a"])
    make_person(tree["branch_b"])
    with time_machine.travel(dt.datetime(2026, 8, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        report = build(tree["committee"], H1)
        assert (report["compliance-met"].value, report["compliance-behind"].value) == (0, 2)
        for branch in (tree["branch_a"], tree["branch_b"]):  # a 主题党日 a month, also held as 党课 and 党员大会
            for month in range(1, 7):
                held(branch, MeetingKind.THEME_DAY, dt.date(2026, month, 10), also_lecture=True, also_general=True)
        report = build(tree["committee"], H1)
        grid = client_for(staff).get(reverse("meetings:grid"), {"unit": tree["committee"].pk, "period": "2026H1"})
    assert (report["compliance-met"].value, report["compliance-behind"].value) == (1, 1)
    assert grid.context["totals"]["missing"] == 1
    assert report.problems[0] == ("2026年上半年有1个党支部未按规定开展组织生活："
                                  "第一党支部未按期召开党小组会（1月至6月）。")


@pytest.mark.django_db
@pytest.mark.clock("2026-12-05")
def test_a_running_half_year_names_the_branch_that_let_a_month_pass(tree, client_for, staff):
    """Issue 16, finding 1: on 5 December the second half-year is still running, but a branch that
    held nothing since July has let five months close unmet. The report (page and Word) says one
    branch fell behind and names it; it never says that every branch met the rules."""
    from reports.workreport import compliance_sentence

    a, b = tree["branch_a"], tree["branch_b"]
    make_person(a, group=tree["group_a"])
    make_person(b)
    for month in range(7, 12):  # the first branch keeps every rule up to November; December is open
        held(a, MeetingKind.THEME_DAY, dt.date(2026, month, 10), also_lecture=True, also_general=True)
        held(tree["group_a"], MeetingKind.GROUP, dt.date(2026, month, 12))
    h2 = Period.parse("2026H2")
    report = build(tree["committee"], h2)
    assert (report["compliance-met"].value, report["compliance-behind"].value, report["compliance-open"].value) == (1, 1, 1)
    sentence = compliance_sentence(report)
    assert sentence == "截至2026年12月5日，1个党支部按规定开展了组织生活，1个党支部未按规定开展（第二党支部）。"
    assert report.problems[0].startswith("2026年下半年有1个党支部未按规定开展组织生活：第二党支部未按期召开")
    assert "主题党日（7月至11月）" in report.problems[0]
    page = client_for(staff).get(reverse("reports:work_report", args=[tree["committee"].pk, str(h2)]))
    grid = client_for(staff).get(reverse("meetings:grid"), {"unit": tree["committee"].pk, "period": str(h2)})
    assert grid.context["totals"] == {"met": 0, "due": 1, "missing": 1}
    text = page.content.decode() + docx_text(WorkReportExporter().render(unit=tree["committee"], period=h2, fmt="docx",
                                                                          user=None).content)
    assert "所有党支部均达到规定要求" not in text
    assert text.count(sentence) == 2  # the page and the Word file


@pytest.mark.django_db
@pytest.mark.clock("2026-12-05")
def test_all_branches_up_to_date_in_a_running_year_are_not_called_finished(tree):
    """Nothing missed but December open: 进行中, said as such, not 所有党支部均达到规定要求."""
    from reports.workreport import compliance_sentence

    make_person(tree["branch_b"])
    for month in range(7, 12):
        held(tree["branch_b"], MeetingKind.THEME_DAY, dt.date(2026, month, 10), also_lecture=True, also_general=True)
    report = build(tree["branch_b"], Period.parse("2026H2"))
    assert compliance_sentence(report) == ("截至2026年12月5日，1个党支部按规定开展了组织生活，没有逾期未完成的要求；"
                                           "其中1个党支部尚有本期要求在进行中。")
    assert not report.problems or "组织生活" not in report.problems[0]
