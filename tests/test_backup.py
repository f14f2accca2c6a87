"""`manage.py backup` / `restore` (and `make backup` / `make restore`): a round trip on demo data
brings back every row, every report figure and every file. Runs on whichever database the suite
uses — SQLite in `make test`, PostgreSQL (pg_dump / psql) in CI's second run."""

from __future__ import annotations

import io
import json
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from branches.models import OrgUnit, UnitKind, today
from branches.periods import Period
from dues.facts import figures_for
from dues.models import Payment
from meetings.compliance import evaluate
from meetings.models import Meeting, MeetingAttachment
from meetings.services import attachment_add
from members.models import Person
from reports import services as report_services
from reports.models import Job
from reports.tasks import run_export_job
from reports.workreport import build
from tests.factories import ensure_rule_tables, make_unit


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    except Exception as exc:  # CommandError raised through call_command
        return getattr(exc, "returncode", 1), out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def figures(top: OrgUnit) -> dict[str, object]:
    """What the reports say: the annual work report's figures, dues and compliance of the tree."""
    year = Period(today().year, "year")
    branch = OrgUnit.objects.filter(kind=UnitKind.BRANCH).order_by("code").first()
    dues = figures_for(top, year)
    compliance = sorted((result.unit.code, rule.code, rule.required, rule.held, rule.status)
                        for result in evaluate(top, Period(today().year, "year")).units for rule in result.rules)
    return {
        "work-report": {key: str(value.value) for key, value in build(branch, year).values.items()},
        "dues": (dues.due, dues.paid, dues.outstanding, dues.settled),
        "compliance": compliance,
    }


@pytest.fixture
def demo(settings, tmp_path):
    """Demo data plus one generated export and one meeting attachment in a MEDIA_ROOT of its own."""
    ensure_rule_tables()  # a transactional test may follow one that emptied the database
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BACKUP_DIR = str(tmp_path / "backups")
    call_command("seed_demo", "--scale", "small", "--seed", "5", stdout=StringIO())
    top = OrgUnit.objects.get(code="DW")
    staff = get_user_model().objects.get(username="dangwei")
    job = report_services.job_create(user=staff, kind="export:members", label="名册", params={
        "exporter": "members", "unit": top.pk, "period": str(today().year), "format": "xlsx"})
    run_export_job.delay(str(job.pk))
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.message
    meeting = Meeting.objects.filter(unit__kind=UnitKind.BRANCH).first()
    attachment = attachment_add(actor=None, meeting=meeting, kind="sign_in",
                                file=SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n% sign-in sheet\n"))
    return {"top": top, "job": job, "attachment": attachment, "media": Path(settings.MEDIA_ROOT),
            "archive": tmp_path / "zhibu.tar.gz"}


def media_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_every_row_figure_and_file(demo):
    top, media = demo["top"], demo["media"]
    counts, report, files = row_counts(), figures(top), media_files(media)
    assert counts["members.Person"] > 100 and counts["dues.Payment"] > 1000
    assert len(files) == 2

    code, out, err = run("backup", "--out", str(demo["archive"]))
    assert code == 0, err
    assert "已备份到" in out and "上传文件 2 个" in out
    with tarfile.open(demo["archive"]) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        names = archive.getnames()
    assert manifest["vendor"] == connection.vendor and manifest["media_files"] == 2
    assert manifest["counts"][Person._meta.db_table] == counts["members.Person"]
    assert {f"media/{name}" for name in files} <= set(names)

    # Then things go wrong: payments deleted, names overwritten, a unit added, files lost.
    Payment.objects.all().delete()
    Person.objects.update(name="误改")
    make_unit(UnitKind.BRANCH, top, name="误建的支部")
    for path in media.rglob("*"):
        if path.is_file():
            path.unlink()
    (media / "stray.txt").write_text("不在备份里")
    assert figures(top) != report and row_counts() != counts

    code, out, err = run("restore", str(demo["archive"]), "--noinput", "--no-safety-backup")
    assert code == 0, err
    assert "与备份一致" in out
    assert row_counts() == counts
    assert figures(top) == report
    assert media_files(media) == files
    job = Job.objects.get(pk=demo["job"].pk)
    assert job.file.read() == files[job.file.name]
    assert MeetingAttachment.objects.get(pk=demo["attachment"].pk).file.read().startswith(b"%PDF")
    # the restored database takes new writes (sequences were restored with the rows)
    make_unit(UnitKind.BRANCH, top, name="恢复后新建的支部")


@pytest.mark.django_db(transaction=True)
def test_restore_first_backs_up_what_it_replaces(demo, settings):
    assert run("backup", "--out", str(demo["archive"]))[0] == 0
    make_unit(UnitKind.BRANCH, demo["top"], name="备份之后新建的支部")
    code, _, err = run("restore", str(demo["archive"]))
    assert code == 1 and "已取消，未做任何修改" in err  # it asks first, and no answer is a no
    assert OrgUnit.objects.filter(name="备份之后新建的支部").exists()
    code, out, err = run("restore", str(demo["archive"]), "--noinput")
    assert code == 0, err
    assert not OrgUnit.objects.filter(name="备份之后新建的支部").exists()
    safety = list(Path(settings.BACKUP_DIR).glob("before-restore-*.tar.gz"))
    assert len(safety) == 1 and str(safety[0]) in out
    assert run("restore", str(safety[0]), "--noinput", "--no-safety-backup")[0] == 0
    assert OrgUnit.objects.filter(name="备份之后新建的支部").exists()  # nothing was lost


# --- refusals: nothing is touched ----------------------------------------------------------------------


def archive_with(path: Path, manifest: dict, members: dict[str, bytes] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in {"manifest.json": json.dumps(manifest).encode(), **(members or {})}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def manifest_for(vendor: str, migrations: list[list[str]] | None = None) -> dict:
    return {"format": 1, "vendor": vendor, "created_at": "2026-07-01T02:00:00+08:00", "counts": {},
            "migrations": migrations or [], "media_files": 0, "media_bytes": 0, "extra": {}}


@pytest.mark.django_db
def test_restore_refuses_what_it_cannot_restore(tmp_path, tree):
    units = OrgUnit.objects.count()
    code, _, err = run("restore", str(tmp_path / "missing.tar.gz"), "--noinput")
    assert code == 2 and "文件不存在" in err

    (tmp_path / "notes.txt").write_text("not an archive")
    code, _, err = run("restore", str(tmp_path / "notes.txt"), "--noinput")
    assert code == 1 and "不是有效的备份文件" in err

    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    code, _, err = run("restore", str(archive_with(tmp_path / "other.tar.gz", manifest_for(other))), "--noinput")
    assert code == 1 and "不能直接恢复" in err

    newer = manifest_for(connection.vendor, [["meetings", "0099_from_the_future"]])
    code, _, err = run("restore", str(archive_with(tmp_path / "newer.tar.gz", newer)), "--noinput")
    assert code == 1 and "较新版本" in err and "meetings.0099_from_the_future" in err

    code, _, err = run("restore", str(archive_with(tmp_path / "ok.tar.gz", manifest_for(connection.vendor))),
                       "--noinput")
    assert code == 1 and "恢复不能在数据库事务中进行" in err

    assert OrgUnit.objects.count() == units


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_is_a_pg_dump_and_a_broken_one_changes_nothing(demo):
    assert run("backup", "--out", str(demo["archive"]))[0] == 0
    with tarfile.open(demo["archive"]) as archive:
        dump = archive.extractfile("database.pgdump").read()
        manifest = json.load(archive.extractfile("manifest.json"))
    assert dump.startswith(b"PGDMP")  # pg_dump's custom format
    counts = row_counts()
    broken = archive_with(demo["archive"].with_name("broken.tar.gz"), manifest,
                          {"database.pgdump": dump[: len(dump) // 2]})
    code, _, err = run("restore", str(broken), "--noinput", "--no-safety-backup")
    assert code == 1 and "失败" in err
    assert row_counts() == counts
