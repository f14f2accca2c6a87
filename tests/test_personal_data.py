"""公民身份号码 and 联系电话: in full only to those who may edit the person; masked for read-only
users and committee staff (who review but do not edit branch records), invisible to outsiders.
Exports holding them are logged in ``reports.ExportLog`` on every path: the browser's background
job and ``manage.py export``.

Exports follow the pages: the roster and attendance sheets are masked for whoever cannot edit the
branch (committee staff included) and full for its secretary and for the command line, which the
committee's IT staff run on the server. Masked or not, each such export is logged."""

from __future__ import annotations

import datetime as dt
import getpass
import zipfile
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from dues import points, services
from meetings import services as meeting_services
from meetings.models import MeetingKind
from members import idnumbers
from reports.models import ExportLog, Job
from tests.dues.helpers import m, member

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def users(owner, staff, viewer, outsider, admin_user):
    return {"owner": owner, "staff": staff, "viewer": viewer, "outsider": outsider, "admin": admin_user}


@pytest.fixture
def person(tree):
    """A member of branch A with a phone, dues, a points sheet and a meeting they attended."""
    a = tree["branch_a"]
    person = member(a, name="赵卫国", phone=PHONE, group=tree["group_a"])
    services.dues_generate(actor=None, month=m("2026-03"))
    services.payments_record(actor=None, person=person, months=[m("2026-03")], paid_on=dt.date(2026, 3, 10))
    points.points_sheet_open(actor=None, unit=a, month=m("2026-03"))
    meeting = meeting_services.meeting_create(actor=None, unit=a, kind=MeetingKind.GENERAL, date=dt.date(2026, 3, 5),
                                              topic="学习党章")
    meeting_services.attendance_set(actor=None, meeting=meeting, person=person, status="leave", reason="出差")
    return person


def meeting_of(tree):
    return tree["branch_a"].meetings.get()


def pages(tree, person):
    """Every page that shows the person or the branch's people."""
    a, meeting = tree["branch_a"], meeting_of(tree)
    return {
        "roster": reverse("members:list"),
        "roster, former too": reverse("members:list") + "?former=1",
        "roster search by the last digits": reverse("members:list") + f"?q={person.id_number[-4:]}",
        "person": reverse("members:detail", args=[person.pk]),
        "pipeline": reverse("members:pipeline"),
        "branch": reverse("org:unit", args=[a.pk]),
        "group": reverse("org:unit", args=[tree["group_a"].pk]),
        "meeting": reverse("meetings:detail", args=[meeting.pk]),
        "attendance": reverse("meetings:attendance", args=[meeting.pk]),
        "person's meetings": reverse("meetings:person", args=[person.pk]),
        "dues of the branch": reverse("dues:unit", args=[a.pk]),
        "dues sheet": reverse("dues:sheet", args=[a.pk, "2026-03"]),
        "person's dues": reverse("dues:person", args=[person.pk]),
        "dues bases": reverse("dues:bases", args=[a.pk, 2026]),
        "arrears": reverse("dues:arrears", args=[a.pk]),
        "points": reverse("dues:points", args=[a.pk, "2026-03"]),
        "points year": reverse("dues:points_year", args=[a.pk]),
    }


def docx_text(content: bytes) -> str:
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return archive.read("word/document.xml").decode()


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_read_only_users_never_see_the_full_numbers(client_for, tree, users, person, role):
    client = client_for(users[role])
    masked_id = idnumbers.mask(person.id_number)
    shown = []
    for name, url in pages(tree, person).items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        content = response.content.decode()
        assert person.id_number not in content, name
        assert person.id_number[6:14] not in content, name  # not even the birth date part
        assert PHONE not in content, name
        if masked_id in content:
            shown.append(name)
    assert {"roster", "person"} <= set(shown)
    assert idnumbers.mask_phone(PHONE) in client.get(reverse("members:detail", args=[person.pk])).content.decode()
    record = client.get(reverse("meetings:docx", args=[meeting_of(tree).pk]))
    assert record.status_code == 200 and person.name in docx_text(record.content)
    assert person.id_number not in docx_text(record.content) and PHONE not in docx_text(record.content)


def test_htmx_roster_fragment_is_masked_too(client_for, tree, viewer, person):
    response = client_for(viewer).get(reverse("members:list"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content and idnumbers.mask(person.id_number) in content
    assert person.id_number not in content


@pytest.mark.parametrize(("role", "found"), [("owner", True), ("admin", True), ("staff", False), ("viewer", False)])
def test_roster_search_by_number_cannot_confirm_a_guess(client_for, users, person, role, found):
    """Searching the full number (or more than the four digits a masked number shows) would let a
    read-only user confirm guesses of the hidden birth date; it finds people only for their editors."""
    client = client_for(users[role])
    for q in (person.id_number, person.id_number[-8:], person.id_number[-5:]):
        assert (person.name in client.get(reverse("members:list"), {"q": q}).content.decode()) is found, q
    assert person.name in client.get(reverse("members:list"), {"q": person.id_number[-4:]}).content.decode()


def test_outsiders_see_nothing_of_the_person(client_for, tree, outsider, person):
    client = client_for(outsider)
    for name, url in pages(tree, person).items():
        response = client.get(url)
        assert response.status_code in (200, 404), name
        content = response.content.decode()
        assert person.id_number not in content and PHONE not in content, name
        assert idnumbers.mask(person.id_number) not in content, name
    assert client.get(reverse("members:detail", args=[person.pk])).status_code == 404
    assert client.get(reverse("members:list"), {"q": person.id_number[-4:]}).content.decode().count("赵卫国") == 0


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_editors_see_the_full_numbers(client_for, tree, users, person, role):
    client = client_for(users[role])
    detail = client.get(reverse("members:detail", args=[person.pk])).content.decode()
    assert person.id_number in detail and PHONE in detail
    assert person.id_number in client.get(reverse("members:list")).content.decode()


def test_history_of_a_number_change_is_hidden_from_read_only_users(client_for, owner, staff, viewer, person):
    """A corrected number (and with it the birth date) and a new phone: the history shows neither the
    old nor the new values to those who see masked numbers; the birth date is its hidden digits."""
    old_number, old_birth = person.id_number, person.birth_date
    new_birth = dt.date(1980, 2, 29)
    new_number = idnumbers.make("110101", new_birth, 7, male=True)
    response = client_for(owner).post(reverse("members:edit", args=[person.pk]), {
        "name": person.name, "id_number": new_number, "status": "full", "phone": "13700000000",
        "applied_on": "2008-01-10", "activist_on": "2008-06-01", "candidate_on": "2009-07-01",
        "probationary_on": "2009-11-01", "full_on": "2010-11-01", "probation_extension_months": "0"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.id_number, person.birth_date, person.phone) == (new_number, new_birth, "13700000000")
    for user in (staff, viewer):
        client = Client()
        client.force_login(user)
        content = client.get(reverse("members:detail", args=[person.pk])).content.decode()
        assert "13700000000" not in content and PHONE not in content
        assert new_number not in content and old_number not in content
        for day in (old_birth, new_birth):
            assert f"{day.year}年{day.month}月{day.day}日" not in content and day.isoformat() not in content
        assert '<span class="badge text-bg-secondary">修改</span>' in content  # the edit itself is listed
    owner_page = client_for(owner).get(reverse("members:detail", args=[person.pk])).content.decode()
    assert "1980年2月29日" in owner_page


# --- exports ------------------------------------------------------------------------------------------

def export_through_the_browser(client, unit, exporter, capture):
    with capture(execute=True):
        response = client.post(reverse("reports:export"), {"exporter": exporter, "unit": unit.pk, "period": "2026"})
    job = Job.objects.latest("created_at")
    assert response.status_code == 302 and job.state == Job.State.DONE, job.message
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    return load_workbook(BytesIO(b"".join(download.streaming_content)))


def all_text(book) -> str:
    return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
                     if v is not None)


@pytest.mark.parametrize(("role", "full"), [("owner", True), ("admin", True), ("staff", False), ("viewer", False)])
@pytest.mark.parametrize("exporter", ["members", "meetings"])
def test_browser_exports_mask_like_the_pages_and_are_logged(client_for, tree, users, person, role, full, exporter,
                                                            django_capture_on_commit_callbacks):
    book = export_through_the_browser(client_for(users[role]), tree["branch_a"], exporter,
                                      django_capture_on_commit_callbacks)
    text = all_text(book)
    assert (person.id_number in text) is full
    assert idnumbers.mask(person.id_number) in text or full
    # the masked digits are the birth date: a masked export must not give it away in another column
    birth_dates = [v for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
                   if isinstance(v, dt.datetime) and v.date() == person.birth_date]
    assert bool(birth_dates) is (full and exporter == "members")
    assert (person.id_number[6:14] in text) is full
    if exporter == "members":
        assert (PHONE in text) is full
    log = ExportLog.objects.get()
    assert (log.user, log.actor, log.exporter, log.org_code, log.period, log.via, log.masked) == (
        users[role], users[role].username, exporter, tree["branch_a"].code, "2026", "web", not full)
    assert log.created_at is not None


def test_exports_without_personal_data_are_not_logged(client_for, tree, owner, person,
                                                      django_capture_on_commit_callbacks):
    export_through_the_browser(client_for(owner), tree["branch_a"], "dues", django_capture_on_commit_callbacks)
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize("exporter", ["members", "meetings"])
def test_cli_exports_are_logged_with_the_operating_system_user(tree, person, exporter, tmp_path):
    out = tmp_path / f"{exporter}.xlsx"
    call_command("export", exporter, "--org", tree["committee"].code, "--period", "2026Q1", "--out", str(out),
                 stdout=StringIO())
    log = ExportLog.objects.get()
    assert (log.user, log.actor, log.exporter, log.org_code, log.period, log.via, log.masked) == (
        None, getpass.getuser(), exporter, tree["committee"].code, "2026Q1", "cli", False)
    if exporter == "members":
        assert person.id_number in all_text(load_workbook(out))


def test_cli_log_falls_back_to_cli_without_a_login_name(tree, person, tmp_path, monkeypatch):
    def no_name():
        raise OSError("no login name")

    monkeypatch.setattr(getpass, "getuser", no_name)
    call_command("export", "members", "--org", tree["committee"].code, "--period", "2026", "--out",
                 str(tmp_path / "r.xlsx"), stdout=StringIO())
    assert ExportLog.objects.get().actor == "cli"


def test_the_log_is_read_only_in_the_admin(client_for, tree, admin_user, person, tmp_path):
    call_command("export", "members", "--org", tree["committee"].code, "--period", "2026", "--out",
                 str(tmp_path / "r.xlsx"), stdout=StringIO())
    client = client_for(admin_user)
    page = client.get(reverse("admin:reports_exportlog_changelist"))
    assert page.status_code == 200 and tree["committee"].code in page.content.decode()
    assert client.get(reverse("admin:reports_exportlog_add")).status_code == 403
    log = ExportLog.objects.get()
    assert client.post(reverse("admin:reports_exportlog_delete", args=[log.pk]), {"post": "yes"}).status_code == 403
    assert ExportLog.objects.count() == 1
