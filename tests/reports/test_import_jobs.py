"""Browser imports run as background jobs: the page polls while a job checks or writes the file,
a job that stopped says why and loses nothing, and a write is never done twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from members.models import Membership, Person
from reports import import_jobs, import_run
from reports import services as job_services
from reports.models import ImportBatch, Job
from reports.roster_import import MemberImporter
from reports.tasks import run_import_job
from tests.celery_support import wait_for
from tests.concurrency import Session, run_together, wait_for_lock_wait
from tests.factories import id_number
from tests.members.test_org_views import XLSX, confirm, full_member_row, upload, workbook
from tests.reports.test_broker_down import refused  # noqa: F401  (REDIS_URL at a dead port)
from tests.reports.test_jobs import celery_worker_process  # noqa: F401  (the real-worker fixture)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def roster(tree, names=("张三丰", "李四光")) -> bytes:
    return workbook([full_member_row(name, tree["branch_a"], number=id_number(dt.date(1980, 1, 1) + dt.timedelta(days=i)))
                     for i, name in enumerate(names)])


def kept(owner, content: bytes) -> ImportBatch:
    """A batch as the upload leaves it, its check queued but not yet taken by a worker."""
    batch = import_jobs.import_keep(user=owner, kind="members",
                                    upload=SimpleUploadedFile("名册.xlsx", content, content_type=XLSX))
    job = job_services.job_create(user=owner, kind="import:members", label="校验党员名册：名册.xlsx",
                                  params={"batch": batch.pk, "apply": False})
    batch.job = job
    batch.save()
    return batch


def test_the_page_polls_while_a_job_checks_then_shows_the_preview(client_for, tree, owner):
    batch = kept(owner, roster(tree))
    client = client_for(owner)
    url = reverse("reports:import_preview", args=[batch.pk])

    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "正在逐行校验" in page and "确认导入" not in page
    part = client.get(url, **HTMX).content.decode()
    assert part.lstrip().startswith('<div id="import-state"') and "<html" not in part
    assert 'hx-trigger="every 1s"' in part

    run_import_job(str(batch.job_id))  # the worker takes it
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PREVIEW and not Person.objects.exists()
    part = client.get(url, **HTMX).content.decode()
    assert "hx-trigger" not in part  # done: the page stops asking
    assert "校验通过：将新增2条" in part and "确认导入" in part and "csrfmiddlewaretoken" in part


def test_a_check_tells_its_stages_as_it_goes(tree, owner, monkeypatch):
    batch = kept(owner, roster(tree))
    told = []

    def progress(job_id, percent, what=""):
        told.append((percent, what, Job.objects.get(pk=job_id).state))
        real_progress(job_id, percent, what)

    real_progress = import_run.job_progress
    monkeypatch.setattr(import_run, "job_progress", progress)
    run_import_job(str(batch.job_id))
    assert told == [(10, "正在读取并逐行校验", Job.State.RUNNING),
                    (60, "逐行校验已通过，正在试写入（不保存）", Job.State.RUNNING)]
    assert Job.objects.get(pk=batch.job_id).state == Job.State.DONE


def test_a_check_whose_worker_died_says_so(client_for, tree, owner, settings):
    batch = kept(owner, roster(tree))
    Job.objects.filter(pk=batch.job_id).update(
        state=Job.State.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(seconds=settings.JOB_STALE_AFTER + 1))
    client = client_for(owner)
    page = client.get(reverse("reports:import_preview", args=[batch.pk]), **HTMX).content.decode()
    assert "校验没有完成，未写入任何数据。" in page and job_services.INTERRUPTED_MESSAGE in page
    assert "hx-trigger" not in page and "重新上传" in page
    listing = client.get(reverse("reports:import_upload", args=["members"])).content.decode()
    assert "名册.xlsx</a> · 未完成" in listing


def test_a_write_that_stopped_wrote_nothing_and_may_be_confirmed_again(client_for, tree, owner, monkeypatch):
    client = client_for(owner)
    upload(client, roster(tree, names=("张三丰", "李四光", "王五")))
    batch = ImportBatch.objects.get(user=owner)
    real_apply = MemberImporter.apply

    def dies_halfway(self, plan, result, *, actor):
        real_apply(self, plan, result, actor=actor)  # every row written in the transaction …
        raise RuntimeError("worker lost")  # … then the work stops before it commits

    monkeypatch.setattr(MemberImporter, "apply", dies_halfway)
    confirm(client, batch)
    batch.refresh_from_db()
    batch.job.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLYING and batch.stopped
    assert batch.job.state == Job.State.FAILED and "未写入任何数据" in batch.job.message
    assert not Person.objects.exists()
    page = client.get(reverse("reports:import_preview", args=[batch.pk])).content.decode()
    assert "导入没有完成，未写入任何数据。" in page and "再次确认导入" in page

    monkeypatch.setattr(MemberImporter, "apply", real_apply)
    confirm(client, batch)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED
    assert Person.objects.count() == 3


def test_a_write_delivered_again_after_it_committed_writes_nothing_more(client_for, tree, owner):
    """acks_late: a worker that dies after the commit but before the acknowledgement leaves the
    message to the next worker, which must find the batch written."""
    client = client_for(owner)
    upload(client, roster(tree))
    batch = ImportBatch.objects.get(user=owner)
    confirm(client, batch)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED and batch.summary.startswith("已新增2条")
    versions = Person.history.count(), Membership.history.count()
    Job.objects.filter(pk=batch.job_id).update(state=Job.State.RUNNING)  # as if not yet marked done

    run_import_job(str(batch.job_id))
    assert (Person.history.count(), Membership.history.count()) == versions  # nothing written again
    assert Person.objects.count() == 2 and Membership.objects.count() == 2
    assert ImportBatch.objects.values_list("state", "summary", "applied_at").get(pk=batch.pk) == (
        batch.state, batch.summary, batch.applied_at)
    assert Job.objects.get(pk=batch.job_id).state == Job.State.DONE
    assert confirm(client, batch).status_code == 302  # and a confirm after it is refused
    assert Person.objects.count() == 2


def test_a_write_whose_batch_moved_on_to_another_job_writes_nothing(client_for, tree, owner):
    """An older write job, delivered late, after the batch was confirmed again (a newer job)."""
    client = client_for(owner)
    upload(client, roster(tree))
    batch = ImportBatch.objects.get(user=owner)
    older = job_services.job_create(user=owner, kind="import:members", label="写入", params={"batch": batch.pk, "apply": True})
    newer = job_services.job_create(user=owner, kind="import:members", label="写入", params={"batch": batch.pk, "apply": True})
    ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.APPLYING, job=newer)
    import_run._write(batch, MemberImporter(), older)  # as import_run calls it, had the batch moved after its read
    assert not Person.objects.exists()
    assert ImportBatch.objects.values_list("state", "job").get(pk=batch.pk) == (ImportBatch.State.APPLYING, newer.pk)


def test_a_write_rechecks_the_account(client_for, tree, owner):
    """An account that lost its role between the preview and the worker taking the write."""
    client = client_for(owner)
    upload(client, roster(tree))
    batch = ImportBatch.objects.get(user=owner)
    assert import_jobs.import_confirm(user=owner, batch=batch)  # sent when the test's transaction commits: never
    Role.objects.filter(user=owner).delete()
    run_import_job(str(ImportBatch.objects.get(pk=batch.pk).job_id))
    batch.refresh_from_db()
    assert batch.job.state == Job.State.FAILED and "只能查看" in batch.job.message
    assert not Person.objects.exists()


def test_import_jobs_are_not_among_the_downloads(client_for, tree, owner):
    client = client_for(owner)
    upload(client, roster(tree))
    job = ImportBatch.objects.get(user=owner).job
    assert job.state == Job.State.DONE
    assert job.label not in client.get(reverse("reports:jobs")).content.decode()
    assert client.get(reverse("reports:job", args=[job.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)  # as in production: no transaction around the view, the job is sent at once
def test_with_redis_down_the_upload_and_confirm_say_so_and_lose_nothing(refused,  # noqa: F811
                                                                        tree, owner, client_for):
    client = client_for(owner)
    response = client.post(reverse("reports:import_upload", args=["members"]),
                           {"file": SimpleUploadedFile("名册.xlsx", roster(tree), content_type=XLSX)}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "后台任务服务暂时不可用，文件未能开始校验。没有写入任何数据，请稍后重新上传。" in page
    assert "校验没有完成，未写入任何数据。" in page and "hx-trigger" not in page
    batch = ImportBatch.objects.get(user=owner)
    assert batch.state == ImportBatch.State.CHECKING and batch.stopped and batch.file

    # A batch checked while the broker was up, confirmed while it is down: it may be confirmed again.
    ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.PREVIEW, job=None)
    response = client.post(reverse("reports:import_confirm", args=[batch.pk]), follow=True)
    page = response.content.decode()
    assert "后台任务服务暂时不可用，导入未能开始。没有写入任何数据，请稍后再确认导入。" in page
    assert "再次确认导入" in page
    assert not Person.objects.exists()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery_worker
# Serialized like the other worker test that needs it (test_reminders): a transactional test
# without it re-creates the content types on teardown, which the next serialized one then repeats.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_checks_and_writes_an_upload(tree, owner, celery_worker_process):  # noqa: F811
    batch = import_jobs.import_keep(user=owner, kind="members",
                                    upload=SimpleUploadedFile("名册.xlsx", roster(tree), content_type=XLSX))
    import_jobs.import_check(batch)  # no transaction here: sent at once
    assert wait_for(batch.job).state == Job.State.DONE
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PREVIEW, batch.problems
    assert not Person.objects.exists()

    assert import_jobs.import_confirm(user=owner, batch=batch)
    assert not import_jobs.import_confirm(user=owner, batch=batch)  # a second click queues nothing
    assert wait_for(batch.job).state == Job.State.DONE
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED
    assert Person.objects.count() == 2


def test_a_check_never_sent_says_so(client_for, tree, owner):
    """The process died between keeping the upload and queuing its check."""
    batch = import_jobs.import_keep(user=owner, kind="members",
                                    upload=SimpleUploadedFile("名册.xlsx", roster(tree), content_type=XLSX))
    assert batch.stopped and not batch.working
    page = client_for(owner).get(reverse("reports:import_preview", args=[batch.pk])).content.decode()
    assert "校验没有完成，未写入任何数据。" in page and "hx-trigger" not in page


@pytest.mark.django_db(transaction=True)  # as in production: the job runs before the view answers
def test_confirm_says_what_was_written_or_why_not(client_for, tree, owner):
    client = client_for(owner)
    number = id_number(dt.date(1980, 1, 1))
    for name in ("张三丰", "王五"):  # two files with the same person, both checked before either is written
        client.post(reverse("reports:import_upload", args=["members"]), {"file": SimpleUploadedFile(
            "名册.xlsx", workbook([full_member_row(name, tree["branch_a"], number=number)]), content_type=XLSX)})
    second, first = ImportBatch.objects.filter(user=owner)  # the newest first
    assert first.state == second.state == ImportBatch.State.PREVIEW
    page = client.post(reverse("reports:import_confirm", args=[first.pk]), follow=True).content.decode()
    assert "导入完成：已新增1条" in page

    # Meanwhile the person moved to a branch this secretary does not keep: the second file is refused.
    Membership.objects.filter(person__id_number=number).update(unit=tree["branch_b"])
    page = client.post(reverse("reports:import_confirm", args=[second.pk]), follow=True).content.decode()
    assert "导入被拒绝，未写入任何数据。" in page
    again = client.post(reverse("reports:import_confirm", args=[second.pk]), follow=True).content.decode()
    assert "该文件已处理，不能重复导入。" in again
    assert Person.objects.get().name == "张三丰"


def checked(owner, tree) -> ImportBatch:
    """A batch checked and waiting for confirmation (outside a transaction the check runs at once)."""
    batch = import_jobs.import_keep(user=owner, kind="members",
                                    upload=SimpleUploadedFile("名册.xlsx", roster(tree), content_type=XLSX))
    import_jobs.import_check(batch)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PREVIEW, batch.problems
    return batch


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_write_once(tree, owner):
    batch = checked(owner, tree)
    one, two = run_together([lambda: import_jobs.import_confirm(user=owner, batch=batch)] * 2)
    assert not one.error and not two.error
    assert sorted([one.result, two.result]) == [False, True]
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED
    assert Job.objects.filter(kind="import:members", params__apply=True).count() == 1
    assert Person.objects.count() == 2 and Person.history.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_confirm_while_a_write_still_holds_the_batch_finds_it_written(tree, owner, monkeypatch):
    """The write looked dead (its job marked stale: no sign of life inside its transaction) and the
    page offered to confirm again; that click waits for the write and finds the batch written."""
    batch = checked(owner, tree)
    write = job_services.job_create(user=owner, kind="import:members", label="写入", params={"batch": batch.pk, "apply": True})
    ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.APPLYING, job=write)
    holding, release, runs = threading.Event(), threading.Event(), []
    real_run = MemberImporter.run

    def slow_run(self, *args, **kwargs):
        runs.append(kwargs.get("dry_run", False))
        holding.set()
        release.wait(10)
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(MemberImporter, "run", slow_run)
    writer = Session(lambda: import_run.import_run(Job.objects.select_related("user").get(pk=write.pk)))
    writer.start()
    assert holding.wait(10)
    job_services.job_fail(write.pk, job_services.INTERRUPTED_MESSAGE)  # what the stale check does meanwhile
    assert ImportBatch.objects.select_related("job").get(pk=batch.pk).stopped

    click = Session(lambda: import_jobs.import_confirm(user=owner, batch=batch))
    click.start()
    wait_for_lock_wait()  # the click waits for the write's lock on the batch
    release.set()
    assert writer.finish().error is None and click.finish().error is None
    assert click.result is False
    assert runs == [False]  # written once
    batch.refresh_from_db()
    assert (batch.state, batch.job_id) == (ImportBatch.State.APPLIED, write.pk)
    assert Person.objects.count() == 2 and Person.history.count() == 2


def test_confirm_while_the_check_runs_says_to_wait(client_for, tree, owner):
    batch = kept(owner, roster(tree))  # its check queued, not yet done
    page = client_for(owner).post(reverse("reports:import_confirm", args=[batch.pk]), follow=True).content.decode()
    assert "该文件正在校验或导入，请稍候。" in page
    assert ImportBatch.objects.get(pk=batch.pk).state == ImportBatch.State.CHECKING
    assert not Job.objects.filter(params__apply=True).exists()


def test_the_preview_names_whom_it_adds_and_what_it_changes(client_for, tree, owner):
    """Issue 18: not only "将新增2条", but who: the preview lists each new person with branch and
    category, and each changed person with what changes."""
    from io import BytesIO

    from members.services import member_group_change

    content = roster(tree)
    batch = kept(owner, content)
    run_import_job(str(batch.job_id))
    page = client_for(owner).get(reverse("reports:import_preview", args=[batch.pk])).content.decode()
    assert "将要新增或更新的记录（2条）" in page
    assert f"新增 张三丰（{tree['branch_a'].name}，正式党员）" in page and "新增 李四光" in page

    MemberImporter().run(BytesIO(content), actor=owner, user=owner)
    member_group_change(actor=None, person=Person.objects.get(name="张三丰"), group=tree["group_a"],
                        date=dt.date(2026, 1, 5))
    again = kept(owner, content)  # the file has no 党小组: he leaves it
    run_import_job(str(again.job_id))
    again.refresh_from_db()
    assert (again.change_count, again.changes) == (1, ["更新 张三丰：党小组"])
