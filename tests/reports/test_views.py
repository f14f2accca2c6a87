"""View-level tests for exports as background jobs and the downloads page (eager Celery)."""

from __future__ import annotations

import uuid
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members import idnumbers
from reports.models import ExportLog, Job
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(owner, staff, viewer, outsider):
    return {"owner": owner, "staff": staff, "viewer": viewer, "outsider": outsider}


@pytest.fixture
def member(tree):
    return make_person(tree["branch_a"], name="张建国")


def start_export(client, unit, capture, **extra):
    data = {"exporter": "members", "unit": unit.pk, "period": "2026", "next": "/members/", **extra}
    with capture(execute=True):
        return client.post(reverse("reports:export"), data)


def rows_of(content):
    sheet = load_workbook(BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(("role", "masked"), [("owner", False), ("staff", True), ("viewer", True)])
def test_export_start_runs_job_and_download_works(client_for, tree, users, member, role, masked,
                                                  django_capture_on_commit_callbacks):
    client = client_for(users[role])
    response = start_export(client, tree["branch_a"], django_capture_on_commit_callbacks)
    job = Job.objects.get(user=users[role])
    assert response.status_code == 302
    assert response.url == reverse("reports:job", args=[job.pk])
    assert job.state == Job.State.DONE, job.message
    page = client.get(response.url).content.decode()
    assert "已生成" in page
    assert reverse("reports:job_download", args=[job.pk]) in page

    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    rows = rows_of(b"".join(download.streaming_content))
    assert rows[0][0] == "姓名*"
    assert rows[1][0] == member.name
    expected = idnumbers.mask(member.id_number) if masked else member.id_number
    assert rows[1][1] == expected
    assert ExportLog.objects.filter(user=users[role], exporter="members", org_code=tree["branch_a"].code).exists()


def test_outsider_cannot_export_another_branch(client_for, tree, outsider, member,
                                               django_capture_on_commit_callbacks):
    response = start_export(client_for(outsider), tree["branch_a"], django_capture_on_commit_callbacks)
    assert response.status_code == 404
    assert not Job.objects.exists()
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize("unit", ["", "abc", "999999"])
def test_export_of_missing_unit_is_404(client_for, owner, unit):
    response = client_for(owner).post(reverse("reports:export"), {"exporter": "members", "unit": unit,
                                                                  "period": "2026"})
    assert response.status_code == 404
    assert not Job.objects.exists()


def test_unknown_exporter_is_404(client_for, tree, owner):
    response = client_for(owner).post(reverse("reports:export"), {"exporter": "nope", "unit": tree["branch_a"].pk,
                                                                  "period": "2026"})
    assert response.status_code == 404
    assert not Job.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"period": "2026-13"}, "无法识别的期间"),
    ({"format": "docx"}, "只能导出为：xlsx"),
])
def test_bad_export_request_goes_back_with_message(client_for, tree, owner, data, message):
    client = client_for(owner)
    payload = {"exporter": "members", "unit": tree["branch_a"].pk, "period": "2026", "next": "/members/", **data}
    response = client.post(reverse("reports:export"), payload, follow=True)
    assert response.redirect_chain[0] == ("/members/", 302)
    assert message in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"])
def test_export_next_must_be_local(client_for, tree, owner, target):
    response = client_for(owner).post(reverse("reports:export"), {
        "exporter": "members", "unit": tree["branch_a"].pk, "period": "bad", "next": target})
    assert response.status_code == 302
    assert response.url == "/"


def test_refused_export_returns_to_the_referring_page_of_this_site(client_for, tree, owner):
    data = {"exporter": "members", "unit": tree["branch_a"].pk, "period": "bad"}
    client = client_for(owner)
    assert client.post(reverse("reports:export"), data, HTTP_REFERER="http://testserver/members/?q=1").url == (
        "http://testserver/members/?q=1")
    assert client.post(reverse("reports:export"), data, HTTP_REFERER="http://evil.example/members/").url == "/"


def test_job_and_download_belong_to_their_owner(client_for, tree, owner, staff, member,
                                                django_capture_on_commit_callbacks):
    start_export(client_for(owner), tree["branch_a"], django_capture_on_commit_callbacks)
    job = Job.objects.get(user=owner)
    other = client_for(staff)  # even committee staff cannot fetch someone else's file
    assert other.get(reverse("reports:job", args=[job.pk])).status_code == 404
    assert other.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
    assert job.label not in other.get(reverse("reports:jobs")).content.decode()
    assert job.label in client_for(owner).get(reverse("reports:jobs")).content.decode()


def test_download_of_unfinished_job_is_404(client_for, owner):
    job = Job.objects.create(user=owner, kind="export:members", label="进行中", params={})
    client = client_for(owner)
    assert client.get(reverse("reports:job", args=[job.pk])).status_code == 200
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_job_status_fragment_for_htmx(client_for, owner):
    job = Job.objects.create(user=owner, kind="export:members", label="进行中", params={}, progress=40)
    response = client_for(owner).get(reverse("reports:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert 'id="job-status"' in content
    assert "40%" in content
    assert "<html" not in content


def test_unknown_job_is_404(client_for, owner):
    assert client_for(owner).get(reverse("reports:job", args=[uuid.uuid4()])).status_code == 404


@pytest.mark.parametrize(("name", "method"), [
    ("export", "get"), ("jobs", "post"), ("job", "post"), ("job_download", "post"),
])
def test_wrong_method_is_405(client_for, owner, name, method):
    args = [] if name in ("export", "jobs") else [uuid.uuid4()]
    assert getattr(client_for(owner), method)(reverse(f"reports:{name}", args=args)).status_code == 405


@pytest.mark.parametrize(("name", "method"), [
    ("export", "post"), ("jobs", "get"), ("job", "get"), ("job_download", "get"),
])
def test_anonymous_is_sent_to_login(client, db, name, method):
    args = [] if name in ("export", "jobs") else [uuid.uuid4()]
    response = getattr(client, method)(reverse(f"reports:{name}", args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("role", ["owner", "staff", "viewer", "outsider"])
def test_jobs_page_for_every_role(client_for, users, role):
    assert client_for(users[role]).get(reverse("reports:jobs")).status_code == 200
