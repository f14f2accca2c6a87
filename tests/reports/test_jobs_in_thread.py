"""``make run`` without a broker: a job runs in a thread of the web process, so its page shows the
progress bar moving and says where the job runs, instead of the request blocking until it is done."""

from __future__ import annotations

import threading
import time

import pytest
from django.urls import reverse

from reports import services
from reports.models import Job

pytestmark = pytest.mark.django_db(transaction=True)  # the thread has its own connection


class HeldTask:
    """A task that reports 40 % and waits to be released, as a long export would."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def apply(self, args: list[str]) -> None:
        services.job_start(args[0])
        services.job_progress(args[0], 40, "正在生成")
        self.release.wait(10)
        services.job_finish(args[0], filename="名册.xlsx", content_type="application/octet-stream", content=b"PK")


def wait_until(predicate, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_job_runs_beside_the_page_which_shows_its_progress(settings, client_for, owner):
    settings.JOBS_IN_THREAD = True
    job = services.job_create(user=owner, kind="export:members", label="党员名册", params={})
    task = HeldTask()
    services.job_queue(job, task)  # returns at once: the job runs in its thread
    wait_until(lambda: Job.objects.get(pk=job.pk).progress == 40)
    page = client_for(owner).get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "40%" in page and "由本机网站进程生成" in page and 'hx-trigger="every 1s"' in page
    task.release.set()
    wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE)
    page = client_for(owner).get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "已生成：名册.xlsx" in page
