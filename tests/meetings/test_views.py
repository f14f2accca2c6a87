"""Access for every meeting view: owner works, committee staff read, outsider 404, read-only 403,
wrong method 405; plus the attendance toggle, confirm/amend, docx and the grid's query count."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from branches import caching
from branches.models import OfficerRole, UnitKind
from branches.services import officer_appoint
from meetings.models import Amendment, Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingStatus, Vote
from meetings.services import meeting_confirm
from members.models import Status
from members.services import development_step_record
from tests.celery_support import jobs_run_on_commit
from tests.factories import make_person, make_unit

from .conftest import held

DAY = dt.date(2025, 6, 20)


@pytest.fixture
def meeting(tree):
    people = [make_person(tree["branch_a"]) for _ in range(3)]
    m = held(tree["branch_a"], MeetingKind.GENERAL, DAY, status=MeetingStatus.DRAFT, minutes="原内容")
    m.people = people
    return m


def page_urls(meeting, tree, grid_unit=None):
    unit = tree["branch_a"].pk
    return [
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:attendance", args=[meeting.pk]),
        reverse("meetings:docx", args=[meeting.pk]),
        reverse("meetings:list") + f"?unit={unit}",
        reverse("meetings:calendar") + f"?unit={unit}&period=2025-06",
        reverse("meetings:compliance") + f"?unit={unit}",
        reverse("meetings:grid") + f"?unit={(grid_unit or tree['committee']).pk}&period=2025Q2",
        reverse("meetings:cell") + f"?unit={unit}&code=general-meeting&period=2025Q2",
        reverse("meetings:history") + f"?unit={unit}",
    ]


def edit_urls(meeting):
    person = meeting.people[0].pk
    return [
        ("get", reverse("meetings:edit", args=[meeting.pk])),
        ("get", reverse("meetings:void", args=[meeting.pk])),
        ("get", reverse("meetings:vote_create", args=[meeting.pk])),
        ("get", reverse("meetings:makeup", args=[meeting.pk, person])),
        ("post", reverse("meetings:confirm", args=[meeting.pk])),
        ("post", reverse("meetings:attendance_set", args=[meeting.pk, person])),
        ("post", reverse("meetings:attendance_observer", args=[meeting.pk])),
        ("post", reverse("meetings:attachment_upload", args=[meeting.pk])),
    ]


def test_owner_and_staff_read_every_page(client_for, owner, staff, meeting, tree):
    for user, grid_unit in ((owner, tree["branch_a"]), (staff, tree["committee"])):
        client = client_for(user)
        for url in page_urls(meeting, tree, grid_unit):
            response = client.get(url)
            assert response.status_code == 200, (user, url, response.status_code)


def test_outsider_gets_404(client_for, outsider, meeting, tree):
    client = client_for(outsider)
    urls = page_urls(meeting, tree)
    for url in [*urls[:3], urls[5], urls[6], urls[7]]:
        assert client.get(url).status_code == 404, url
    for method, url in edit_urls(meeting):
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(reverse("meetings:amend", args=[meeting.pk])).status_code == 404


@pytest.mark.parametrize("who", ["viewer", "staff"])
def test_read_only_users_get_403_on_changes(request, client_for, meeting, who):
    client = client_for(request.getfixturevalue(who))
    for method, url in edit_urls(meeting):
        assert getattr(client, method)(url).status_code == 403, url
    assert client.get(reverse("meetings:create")).status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.DRAFT


def test_wrong_method_gets_405(client_for, owner, meeting):
    client = client_for(owner)
    assert client.get(reverse("meetings:confirm", args=[meeting.pk])).status_code == 405
    assert client.get(reverse("meetings:attendance_set", args=[meeting.pk, meeting.people[0].pk])).status_code == 405
    assert client.post(reverse("meetings:detail", args=[meeting.pk])).status_code == 405
    assert client.post(reverse("meetings:list")).status_code == 405
    assert client.delete(reverse("meetings:edit", args=[meeting.pk])).status_code == 405


def test_anonymous_is_sent_to_login(client, meeting):
    response = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_create_then_toggle_attendance_with_htmx(client_for, owner, tree):
    people = [make_person(tree["branch_a"]) for _ in range(40)]
    client = client_for(owner)
    response = client.post(reverse("meetings:create"), {
        "unit": tree["branch_a"].pk, "kind": MeetingKind.GENERAL, "date": "2025-06-20", "topic": "接收预备党员",
        "start_time": "14:30", "place": "会议室",
    })
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("meetings:attendance", args=[meeting.pk])
    assert meeting.attendance.filter(status=AttendanceStatus.PRESENT).count() == 40
    url = reverse("meetings:attendance_set", args=[meeting.pk, people[0].pk])
    response = client.post(url, {"status": "leave", f"reason-{people[0].pk}": "出差"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"row-" in response.content and b'hx-swap-oob="true"' in response.content
    row = Attendance.objects.get(meeting=meeting, person=people[0])
    assert (row.status, row.reason) == ("leave", "出差")
    response = client.post(reverse("meetings:attendance_set", args=[meeting.pk, people[1].pk]), {"status": "leave"},
                           HTTP_HX_REQUEST="true")
    assert "请假须填写原因" in response.content.decode()
    assert Attendance.objects.get(meeting=meeting, person=people[1]).status == "present"


def test_confirm_vote_and_amend_through_the_browser(client_for, owner, meeting):
    client = client_for(owner)
    response = client.post(reverse("meetings:vote_create", args=[meeting.pk]), {
        "motion_kind": "other", "motion": "通过年度工作计划", "votes_for": 1, "votes_against": 0, "abstentions": 0,
        "declared_passed": "1",
    })
    assert response.status_code == 200 and "不能记为通过" in response.content.decode()
    assert not Vote.objects.exists()
    client.post(reverse("meetings:vote_create", args=[meeting.pk]), {
        "motion_kind": "other", "motion": "通过年度工作计划", "votes_for": 3, "votes_against": 0, "abstentions": 0,
        "declared_passed": "1"})
    assert Vote.objects.get().passed
    client.post(reverse("meetings:confirm", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED
    assert client.get(reverse("meetings:edit", args=[meeting.pk])).status_code == 302
    data = {"kind": meeting.kind, "date": "2025-06-20", "topic": meeting.topic, "minutes": "更正后", "reason": "笔误"}
    response = client.post(reverse("meetings:amend", args=[meeting.pk]), data)
    assert response.status_code == 302
    assert Amendment.objects.get().changes == {"会议内容（内容摘要）": ["原内容", "更正后"]}
    detail = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "原内容" in detail and "笔误" in detail


def test_word_record_uses_official_fonts(client_for, owner, meeting):
    meeting_confirm(actor=owner, meeting=meeting)
    response = client_for(owner).get(reverse("meetings:docx", args=[meeting.pk]))
    assert response.status_code == 200
    document = Document(BytesIO(response.content))
    styles = document.styles.element.xml
    assert 'w:eastAsia="方正小标宋简体"' in styles and 'w:eastAsia="仿宋_GB2312"' in styles
    assert 'w:eastAsia="黑体"' in document.element.xml  # the 黑体 labels
    assert document.paragraphs[0].text == f"{meeting.unit.name}党员大会会议记录"
    assert document.paragraphs[0].style.name == "Title"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "应到3人；实到3人：" in text


def test_grid_and_cell_show_status(client_for, staff, tree):
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2025, 5, 6), topic="二季度党员大会")
    client = client_for(staff)
    page = client.get(reverse("meetings:grid") + f"?unit={tree['committee'].pk}&period=2025Q2").content.decode()
    assert "zb-met" in page and "zb-missing" in page and "党员大会" in page
    cell = client.get(reverse("meetings:cell") + f"?unit={tree['branch_a'].pk}&code=general-meeting&period=2025Q2")
    assert "二季度党员大会" in cell.content.decode()


def _grid_queries(client, committee, *, cached=False):
    """Queries of the grid page, computed afresh unless ``cached`` (branches.caching)."""
    if not cached:
        caching.bump("meetings")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("meetings:grid") + f"?unit={committee.pk}&period=2025Q2")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_branch(committee):
    branch = make_unit(UnitKind.BRANCH, committee)
    make_unit(UnitKind.GROUP, branch)
    officer_appoint(actor=None, unit=branch, person=make_person(branch), role=OfficerRole.SECRETARY,
                    started_on=dt.date(2024, 1, 1))
    held(branch, MeetingKind.GENERAL, dt.date(2025, 5, 6))
    return branch


def test_grid_query_count_is_constant(client_for, staff, tree):
    client = client_for(staff)
    _grid_queries(client, tree["committee"])  # warm up sessions and caches
    two = _grid_queries(client, tree["committee"])
    for _ in range(4):
        _add_branch(tree["committee"])
    assert _grid_queries(client, tree["committee"]) == two
    for _ in range(54):  # the benchmark: 60 branches
        _add_branch(tree["committee"])
    assert _grid_queries(client, tree["committee"]) == two
    assert _grid_queries(client, tree["committee"], cached=True) < two  # unchanged records: read from the cache


def test_print_the_filtered_list_as_word(client_for, owner, outsider, tree):
    held(tree["branch_a"], MeetingKind.GENERAL, DAY, topic="第一次")
    held(tree["branch_a"], MeetingKind.LECTURE, DAY, topic="第二次")
    held(tree["branch_b"], MeetingKind.LECTURE, DAY, topic="别的支部")
    url = reverse("meetings:list_docx") + f"?unit={tree['branch_a'].pk}&period=2025"
    response = client_for(owner).get(url)
    assert response.status_code == 200
    document = Document(BytesIO(response.content))
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert len(titles) == 2
    title_paragraphs = [p for p in document.paragraphs if p.style.name == "Title"]
    assert title_paragraphs[1].paragraph_format.page_break_before
    assert client_for(outsider).get(url).status_code == 404
    # Without a unit filter the outsider's list holds only their own branch.
    other = Document(BytesIO(client_for(outsider).get(reverse("meetings:list_docx")).content))
    assert ["别的支部" in p.text for p in other.paragraphs if p.text.startswith("主题")] == [True]


def test_appraisal_page_access_and_grades(client_for, owner, staff, viewer, outsider, tree):
    people = [make_person(tree["branch_a"]) for _ in range(2)]
    appraisal = held(tree["branch_a"], MeetingKind.APPRAISAL, DAY, status=MeetingStatus.DRAFT)
    url = reverse("meetings:appraisals", args=[appraisal.pk])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(staff).get(url).status_code == 200
    assert client_for(staff).post(url, {f"grade-{people[0].pk}": "excellent"}).status_code == 403
    assert client_for(viewer).post(url, {f"grade-{people[0].pk}": "excellent"}).status_code == 403
    client = client_for(owner)
    assert client.get(url).status_code == 200
    response = client.post(url, {f"grade-{people[0].pk}": "excellent", f"grade-{people[1].pk}": "good"})
    assert response.status_code == 302
    assert dict(appraisal.appraisals.values_list("person_id", "grade")) == {people[0].pk: "excellent",
                                                                           people[1].pk: "good"}
    assert client.put(url).status_code == 405


def test_talks_page_access_and_record(client_for, owner, staff, viewer, outsider, tree):
    branch = tree["branch_a"]
    secretary, member = make_person(branch), make_person(branch)
    officer_appoint(actor=None, unit=branch, person=secretary, role=OfficerRole.SECRETARY,
                    started_on=dt.date(2024, 1, 1))
    url = reverse("meetings:talks") + f"?unit={branch.pk}&period=2025"
    data = {"date": "2025-03-01", "officer": secretary.pk, "member": member.pk, "summary": "谈工作"}
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(staff).get(url).status_code == 200
    assert client_for(staff).post(url, data).status_code == 403
    assert client_for(viewer).post(url, data).status_code == 403
    client = client_for(owner)
    before = client.get(url).content.decode()
    assert "还需与1人谈话" in before
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert "应谈1对，已谈1对" in page and "谈工作" in page and "还需与" not in page


def test_attendance_of_a_confirmed_meeting_changes_only_with_a_reason(client_for, owner, meeting):
    meeting_confirm(actor=owner, meeting=meeting)
    client = client_for(owner)
    person = meeting.people[0]
    url = reverse("meetings:attendance_set", args=[meeting.pk, person.pk])
    response = client.post(url, {"status": "absent"}, HTTP_HX_REQUEST="true")
    assert "更正" in response.content.decode()
    assert Attendance.objects.get(meeting=meeting, person=person).status == "present"
    client.post(url, {"status": "absent", "amend_reason": "补录：当天未到会"}, HTTP_HX_REQUEST="true")
    assert Attendance.objects.get(meeting=meeting, person=person).status == "absent"
    amendment = Amendment.objects.get(meeting=meeting)
    assert amendment.reason == "补录：当天未到会" and amendment.changes == {f"出勤：{person.name}": ["出席", "缺席"]}
    page = client.get(reverse("meetings:attendance", args=[meeting.pk])).content.decode()
    assert 'id="amend-reason"' in page


def test_browser_import_is_limited_to_the_users_branch(client_for, owner, tree, tmp_path, settings):
    from openpyxl import Workbook

    settings.MEDIA_ROOT = tmp_path
    make_person(tree["branch_b"])
    book = Workbook()
    sheet = book.active
    sheet.title = "会议"
    sheet.append(["会议编号*", "党组织编码*", "会议类型*", "日期*", "主题*"])
    sheet.append(["X-1", tree["branch_b"].code, "党员大会", "2025-07-01", "别的支部"])
    book.create_sheet("出勤").append(["会议编号*", "公民身份号码*", "出勤情况*", "原因"])
    path = tmp_path / "m.xlsx"
    book.save(path)
    client = client_for(owner)
    with path.open("rb") as handle, jobs_run_on_commit():
        response = client.post(reverse("reports:import_upload", args=["meetings"]), {"file": handle})
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "会议 第2行 党组织编码：您无权修改" in preview
    assert not Meeting.objects.exists()


def test_committee_staff_add_a_local_rule(client_for, staff, owner, outsider, tree):
    from meetings.models import ComplianceRule

    url = reverse("meetings:rules") + f"?unit={tree['committee'].pk}"
    data = {"name": "统一活动日", "code": "unified-day", "counts": "theme_day", "applies_to": "branch",
            "min_count": 1, "period": "month", "weekday": 4, "week_of_month": 3, "effective_from": "2025-01-01",
            "source": "机关党委通知"}
    assert client_for(owner).get(url).status_code == 404  # a secretary does not see the committee
    assert client_for(owner).get(reverse("meetings:rules") + f"?unit={tree['branch_a'].pk}").status_code == 200
    assert client_for(owner).post(reverse("meetings:rules") + f"?unit={tree['branch_a'].pk}", data).status_code == 403
    client = client_for(staff)
    assert client.post(url, data).status_code == 302
    rule = ComplianceRule.objects.get(code="unified-day")
    assert rule.scope_unit == tree["committee"] and rule.weekday == 4
    page = client_for(owner).get(reverse("meetings:compliance") + f"?unit={tree['branch_a'].pk}").content.decode()
    assert "统一活动日" in page
    response = client_for(staff).post(url, {"end": rule.pk, "effective_to": "2025-12-31"}, follow=True)
    assert "将于2025-12-31后停止适用" in response.content.decode()
    rule.refresh_from_db()
    assert rule.effective_to == dt.date(2025, 12, 31)


def test_person_record_shows_attendance_and_appraisals(client_for, owner, staff, outsider, meeting, tree):
    from meetings.services import appraisal_record

    person = meeting.people[0]
    meeting_confirm(actor=owner, meeting=meeting)
    appraisal = held(tree["branch_a"], MeetingKind.APPRAISAL, DAY, status=MeetingStatus.DRAFT)
    appraisal_record(actor=None, meeting=appraisal, person=person, grade="excellent")
    Meeting.objects.filter(pk=appraisal.pk).update(status=MeetingStatus.CONFIRMED)
    url = reverse("meetings:person", args=[person.pk])
    for user in (owner, staff):
        page = client_for(user).get(url).content.decode()
        assert meeting.topic in page and "优秀" in page
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(owner).post(url).status_code == 405


def test_committee_calendar_hides_group_meetings_unless_asked(client_for, staff, tree):
    held(tree["group_a"], MeetingKind.GROUP, dt.date(2025, 6, 3), topic="小组学习")
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2025, 6, 3), topic="支部大会")
    url = reverse("meetings:calendar") + f"?unit={tree['committee'].pk}&period=2025-06"
    client = client_for(staff)
    page = client.get(url).content.decode()
    assert "党员大会 · 第一党支部" in page and "党小组会" not in page.split("zb-calendar")[1]
    assert "党小组会 · 第一党小组" in client.get(url + "&groups=1").content.decode()


def test_list_counts_attendance_per_meeting_in_constant_queries(client_for, owner, tree):
    people = [make_person(tree["branch_a"]) for _ in range(3)]
    for day in range(1, 6):
        held(tree["branch_a"], MeetingKind.THEME_DAY, dt.date(2025, 6, day))
    first = Meeting.objects.order_by("date").first()
    Attendance.objects.filter(meeting=first, person=people[0]).update(status="leave", reason="病假")
    client = client_for(owner)
    url = reverse("meetings:list") + f"?unit={tree['branch_a'].pk}"
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert ">3/2<" in page and ">1/0<" in page  # 应到/实到 and 请假/缺席 of the first meeting
    for day in range(6, 20):
        held(tree["branch_a"], MeetingKind.THEME_DAY, dt.date(2025, 6, day))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_grid_pages_branches_and_keeps_the_filters(client_for, staff, tree, monkeypatch):
    from meetings.views import compliance

    monkeypatch.setattr(compliance, "GRID_PAGE_SIZE", 1)
    client = client_for(staff)
    url = reverse("meetings:grid")
    first = client.get(url, {"unit": tree["committee"].pk, "period": "2025Q2"})
    second = client.get(url, {"unit": tree["committee"].pk, "period": "2025Q2", "page": 2})
    rows = [r.content.decode().split("<tbody>")[1].split("</tbody>")[0] for r in (first, second)]
    shown = [[int(pk) for pk in re.findall(r'href="/meetings/compliance/\?unit=(\d+)"', row)] for row in rows]
    assert shown == [[tree["branch_a"].pk], [tree["branch_b"].pk]]
    assert "党支部 2 个" in first.content.decode()  # the totals still count every branch
    assert "period=2025Q2" in first.content.decode().split("page=2")[0].rsplit("href=", 1)[-1]


def test_status_badge():
    from meetings.markup import status_badge

    assert status_badge("met") == '<span class="badge text-bg-success">已完成</span>'
    assert status_badge("missing") == '<span class="badge text-bg-danger">未完成</span>'
    assert status_badge("due") == '<span class="badge text-bg-warning">进行中</span>'
    assert status_badge("") == ""


def test_meeting_list_further_pages_for_an_account_without_roles(client_for, tree):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("nobody", password="pass-1234")
    response = client_for(nobody).get(reverse("meetings:list") + "?page=2")
    assert response.status_code == 200


def test_an_admission_vote_through_the_browser(client_for, owner, meeting, tree):
    """A 申请人 cannot be voted in: the form says why and nothing is recorded. A 发展对象 with the
    earlier steps on record can, and their 发展 record gets the 支部大会讨论 step."""
    client = client_for(owner)
    applicant = make_person(tree["branch_a"], status=Status.APPLICANT, applied_on=dt.date(2025, 1, 10), name="申请人甲")
    data = {"motion_kind": "admit", "motion": "接收为预备党员", "votes_for": 3, "votes_against": 0, "abstentions": 0,
            "present": 3}
    response = client.post(reverse("meetings:vote_create", args=[meeting.pk]), {**data, "subject": applicant.pk})
    assert response.status_code == 200
    assert "申请人甲目前是申请人，不是发展对象，不能表决接收为预备党员" in response.content.decode()
    assert not Vote.objects.exists()
    candidate = make_person(tree["branch_a"], status=Status.CANDIDATE, name="发展对象乙")
    for step in (12, 13, 14):
        development_step_record(actor=owner, person=candidate, step=step, done_on=dt.date(2025, 5, 1))
    response = client.post(reverse("meetings:vote_create", args=[meeting.pk]), {**data, "subject": candidate.pk},
                           follow=True)
    assert "已在发展对象乙的发展台账记录第15步“支部大会讨论”（2025-06-20）" in response.content.decode()
    assert candidate.steps.get(step=15).done_on == DAY


def test_detail_reads_only_the_parts_a_meeting_has(client_for, owner, tree):
    """Votes, appraisals, amendments and attachments are read only when the meeting has them
    (most have few): the meeting's own query says which exist."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings.services import appraisal_record, attachment_add, vote_record

    people = [make_person(tree["branch_a"]) for _ in range(3)]
    bare_draft = held(tree["branch_a"], MeetingKind.APPRAISAL, DAY, status=MeetingStatus.DRAFT)
    bare = held(tree["branch_a"], MeetingKind.GENERAL, DAY, status=MeetingStatus.DRAFT)
    meeting_confirm(actor=owner, meeting=bare)
    general = held(tree["branch_a"], MeetingKind.GENERAL, DAY, status=MeetingStatus.DRAFT, minutes="原内容")
    vote_record(actor=owner, meeting=general, motion_kind="other", motion="通过年度工作计划", votes_for=3)
    attachment_add(actor=owner, meeting=general, kind="sign_in",
                   file=SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n% sign-in sheet\n"))
    meeting_confirm(actor=owner, meeting=general)
    client = client_for(owner)
    client.post(reverse("meetings:amend", args=[general.pk]), {
        "kind": general.kind, "date": "2025-06-20", "topic": general.topic, "minutes": "更正后", "reason": "笔误"})
    appraisal = held(tree["branch_a"], MeetingKind.APPRAISAL, DAY, status=MeetingStatus.DRAFT)
    appraisal_record(actor=owner, meeting=appraisal, person=people[0], grade="excellent")

    def read(meeting):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
        return page, len(queries)

    page, with_parts = read(general)
    assert "通过年度工作计划" in page and "签到表.pdf" in page and "笔误" in page
    page, with_appraisal = read(appraisal)
    assert people[0].name in page and "优秀" in page
    page, without = read(bare)
    assert "签到表.pdf" not in page
    assert with_parts == without + 3  # both confirmed: votes, attachments and amendments read
    assert with_appraisal == read(bare_draft)[1] + 1  # both drafts: the appraisal results read
