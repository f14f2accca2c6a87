"""A refused import keeps and shows the first problems, with a count and a workbook of them all;
a check that crashes marks its batch failed with a reason instead of leaving it in 校验中."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import RoleKind
from reports.import_run import PROBLEMS_SHOWN, problems_workbook
from reports.models import ImportBatch, Job
from reports.roster_import import MemberImporter
from tests.factories import make_user
from tests.members.test_org_views import XLSX, full_member_row, upload, workbook

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-12-05")]

BAD_ROWS = 260


def bad_roster(tree, rows: int = BAD_ROWS) -> bytes:
    """``rows`` rows, each with an ID number that is not one."""
    return workbook([[*full_member_row(f"张{n}", tree["branch_a"])[:1], f"不是身份证号{n}",
                      *full_member_row(f"张{n}", tree["branch_a"])[2:]] for n in range(rows)])


@pytest.fixture
def refused_batch(client_for, tree, owner) -> ImportBatch:
    upload(client_for(owner), bad_roster(tree))
    return ImportBatch.objects.get(user=owner)


def test_a_refused_batch_keeps_the_first_problems_and_counts_them_all(client_for, owner, refused_batch):
    batch = refused_batch
    assert batch.state == ImportBatch.State.REFUSED
    assert batch.problem_count >= BAD_ROWS
    assert len(batch.problems) == PROBLEMS_SHOWN
    assert batch.problems[0].startswith("第2行 公民身份号码")
    assert batch.summary == f"未通过校验：{batch.problem_count}个问题，未写入任何数据"

    page = client_for(owner).get(reverse("reports:import_preview", args=[batch.pk])).content.decode()
    assert f"共 {batch.problem_count} 个问题" in page
    assert page.count('<li class="list-group-item small">') == PROBLEMS_SHOWN
    assert f"另有 {batch.problem_count - PROBLEMS_SHOWN} 处问题" in page
    assert reverse("reports:import_problems", args=[batch.pk]) in page and "下载全部问题（Excel）" in page


def test_the_full_list_downloads_as_a_workbook_of_row_column_and_problem(client_for, owner, refused_batch):
    batch = refused_batch
    response = client_for(owner).get(reverse("reports:import_problems", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("工作表", "行号", "列", "问题")
    assert len(rows) - 1 == batch.problem_count
    id_rows = [row for row in rows[1:] if row[2] == "公民身份号码"]
    assert [row[1] for row in id_rows] == list(range(2, BAD_ROWS + 2))  # Excel's row numbers, as numbers
    assert all(row[3] for row in rows[1:])


def test_the_download_is_its_owners_only(client_for, tree, owner, refused_batch):
    url = reverse("reports:import_problems", args=[refused_batch.pk])
    other = make_user(tree["branch_b"], RoleKind.SECRETARY, username="other")
    staff = make_user(tree["committee"], RoleKind.STAFF, username="staff2")
    for user in (other, staff):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client_for(owner).post(url).status_code == 405


def test_a_batch_without_problems_has_no_download(client_for, tree, owner):
    upload(client_for(owner), workbook([full_member_row("张三丰", tree["branch_a"])]))
    batch = ImportBatch.objects.get(user=owner)
    assert batch.state == ImportBatch.State.PREVIEW
    assert client_for(owner).get(reverse("reports:import_problems", args=[batch.pk])).status_code == 404


def test_problems_workbook_keeps_places_and_neutralises_formulas():
    from branches.importing import Problem

    content = problems_workbook([Problem(None, 3, "姓名", "必填"), Problem("党员", None, None, "=cmd|' /C calc'!A0")])
    rows = list(load_workbook(BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1] == (None, 3, "姓名", "必填")
    assert rows[2][0] == "党员" and rows[2][3].startswith("'=")


def test_a_check_that_crashes_marks_the_batch_failed_with_a_reason(client_for, tree, owner, monkeypatch):
    def crash(self, reader, *, user):
        raise ValueError("year 10017 is out of range")

    monkeypatch.setattr(MemberImporter, "validate", crash)
    client = client_for(owner)
    upload(client, workbook([full_member_row("张三丰", tree["branch_a"])]))
    batch = ImportBatch.objects.select_related("job").get(user=owner)
    assert batch.state == ImportBatch.State.FAILED
    assert "校验程序出错（ValueError）" in batch.summary and "未写入任何数据" in batch.summary
    assert batch.job.state == Job.State.FAILED
    page = client.get(reverse("reports:import_preview", args=[batch.pk])).content.decode()
    assert "校验没有完成，未写入任何数据。" in page and "校验程序出错" in page and "重新上传" in page
    assert "hx-trigger" not in page  # nothing to wait for
    listing = client.get(reverse("reports:import_upload", args=["members"])).content.decode()
    assert "名册.xlsx</a> · 校验出错" in listing
    # and it cannot be confirmed
    client.post(reverse("reports:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.FAILED


def test_an_old_refused_batch_without_a_count_still_shows(client_for, owner):
    batch = ImportBatch.objects.create(user=owner, kind="members", original_name="旧.xlsx",
                                       state=ImportBatch.State.REFUSED, problems=["第2行 姓名：必填"],
                                       summary="未通过校验：1个问题，未写入任何数据")
    page = client_for(owner).get(reverse("reports:import_preview", args=[batch.pk])).content.decode()
    assert "共 1 个问题" in page and "第2行 姓名：必填" in page and "另有" not in page
    assert "下载全部问题" not in page
