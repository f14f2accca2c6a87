"""Redis down while REDIS_URL is set: every page still works, and starting a report or export
says at once that background work is unavailable, keeps the job (failed, with the reason) and
loses nothing the user typed. Redis is the cache too in such a deployment: with the cache down as
well, the pages compute afresh and read sessions from the database.

The portal's own Celery app is pointed, with the project's settings (broker transport options),
at a port where nothing listens ("refused") and at a socket that accepts connections but never
answers ("hung" — the case that used to block a request for good).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from branches.models import today
from branches.periods import Period
from dues import services as dues_services
from meetings.models import MeetingKind
from meetings.services import meeting_create
from reports.models import Job, ReportDraft
from tests.celery_support import broker
from tests.dues.helpers import member

pytestmark = pytest.mark.django_db

THIS = Period.month_of(today())
QUARTER = Period.containing(today(), "quarter")
HALF = Period(today().year, "half", 1)


@pytest.fixture
def refused(settings) -> Iterator[str]:
    """REDIS_URL at a local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    settings.REDIS_URL = url
    with broker(url):
        yield url


class Hung:
    """A broker socket whose backlog accepts connections but that never replies."""

    def __init__(self, server: socket.socket, url: str):
        self.server, self.url = server, url

    def connections(self) -> int:
        """How many connections reached the broker since the last call (each is then closed)."""
        self.server.setblocking(False)
        count = 0
        while True:
            try:
                conn, _ = self.server.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1


@pytest.fixture
def hung(settings) -> Iterator[Hung]:
    """REDIS_URL at a socket whose backlog accepts the connection but that never replies."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        url = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
        settings.REDIS_URL = url
        with broker(url):
            yield Hung(server, url)


@pytest.fixture
def rules(transactional_db):
    """A transactional test starts from whatever the previous one left: put the seeded rules back."""
    from tests.factories import ensure_rule_tables

    ensure_rule_tables()


@pytest.fixture
def records(tree):
    person = member(tree["branch_a"], base="4000")
    dues_services.dues_generate(actor=None, month=THIS.start)
    meeting = meeting_create(actor=None, unit=tree["branch_a"], kind=MeetingKind.COMMITTEE,
                             date=today(), topic="研究发展党员工作")
    return {"person": person, "meeting": meeting}


def production_cache(url: str) -> dict:
    """``CACHES["default"]`` as config/settings/base.py builds it when REDIS_URL is ``url``."""
    env = {**os.environ, "REDIS_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    code = "import json; from config.settings import base; print(json.dumps(base.CACHES['default']))"
    return json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                     check=True, cwd=django_settings.BASE_DIR).stdout)


def main_pages(tree, records) -> list[str]:
    unit, person = tree["branch_a"].pk, records["person"].pk
    return [
        reverse("home"),
        reverse("org:tree"),
        reverse("org:unit", args=[unit]),
        reverse("members:list"),
        reverse("members:detail", args=[person]),
        reverse("meetings:index"),
        reverse("meetings:list"),
        reverse("meetings:detail", args=[records["meeting"].pk]),
        reverse("meetings:person", args=[person]),
        reverse("meetings:compliance"),
        reverse("dues:index"),
        reverse("dues:unit", args=[unit]),
        reverse("dues:sheet", args=[unit, str(THIS)]),
        reverse("dues:person", args=[person]),
        reverse("reports:scorecards"),
        reverse("reports:scorecard", args=[unit, str(QUARTER)]),
        reverse("reports:work_report", args=[unit, str(HALF)]),
        reverse("reports:jobs"),
    ]


def test_sessions_live_in_the_database():
    """A session outlives an emptied cache: the cache only keeps a copy."""
    assert django_settings.SESSION_ENGINE in ("django.contrib.sessions.backends.db",
                                              "django.contrib.sessions.backends.cached_db")


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_every_main_page_works_while_redis_hangs(hung, tree, records, owner, staff, client, role):
    """A page that touched the broker would wait for the socket timeout (5 s); none connects to it."""
    user = {"owner": owner, "staff": staff}[role]
    login = client.post(reverse("login"), {"username": user.username, "password": "pass-1234"})
    assert login.status_code == 302 and login.url == reverse("home")
    assert hung.connections() == 0
    for url in main_pages(tree, records):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert hung.connections() == 0, f"{url} connected to the broker"


@pytest.mark.parametrize("fault", ["refused", "hung"])
def test_every_main_page_works_while_the_redis_cache_is_down(fault, request, settings, tree, records, owner,
                                                              client):
    """The production settings' cache (django-redis, errors ignored) at a Redis that refuses or
    never answers: a page computes afresh instead of failing, and logging in still works."""
    url = request.getfixturevalue(fault)
    url = getattr(url, "url", url)  # the hung broker fixture hands its socket with its address
    settings.CACHES = {"default": {**production_cache(url), "KEY_PREFIX": "down"}}
    login = client.post(reverse("login"), {"username": owner.username, "password": "pass-1234"})
    assert login.status_code == 302 and login.url == reverse("home")
    for page in main_pages(tree, records)[:8]:
        assert client.get(page, follow=True).status_code == 200, page


@pytest.mark.django_db(transaction=True)  # as in production: no transaction around the view, the job is sent at once
def test_starting_a_work_report_with_redis_refused_says_so_and_loses_nothing(refused, rules, tree, owner, client_for):
    client = client_for(owner)
    unit = tree["branch_a"]
    page = reverse("reports:work_report", args=[unit.pk, str(HALF)])
    typed = {"opening": "上半年，支部坚持以党的创新理论武装头脑。", "achievements": "完成换届选举。",
             "problems": "学习形式单一。", "next_steps": "丰富主题党日形式。"}
    assert client.post(page, typed).status_code == 302  # the draft is saved before generating

    response = client.post(reverse("reports:export"), {
        "exporter": "work-report", "unit": unit.pk, "period": str(HALF), "format": "docx", "next": page,
    }, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "后台任务服务暂时不可用，导出未能开始。您的数据没有受到影响，请稍后重试。" in text

    job = Job.objects.get(user=owner)  # kept, with the reason, not lost and not "queued" forever
    assert job.state == Job.State.FAILED and "后台任务服务暂时不可用" in job.message
    assert job.params == {"exporter": "work-report", "unit": unit.pk, "period": str(HALF), "format": "docx"}
    assert not job.file
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404

    draft = ReportDraft.objects.get()
    assert {name: getattr(draft, name) for name in typed} == typed
    again = client.get(page)
    assert again.status_code == 200
    assert typed["achievements"] in again.content.decode() and "后台任务服务暂时不可用" in again.content.decode()


@pytest.mark.django_db(transaction=True)
def test_starting_an_export_with_redis_hung_gives_up_in_seconds(hung, rules, tree, owner, client_for):
    client = client_for(owner)
    response = client.post(reverse("reports:export"), {
        "exporter": "members", "unit": tree["branch_a"].pk, "period": str(today().year), "next": "/members/",
    })
    assert response.status_code == 302
    # It gave up rather than wait for good: after one try (and at most the transport's retries),
    # each bounded by the socket timeouts. How many seconds that takes is not this test's business.
    options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert 1 <= hung.connections() <= 1 + options["max_retries"]
    assert options["socket_connect_timeout"] and options["socket_timeout"]
    job = Job.objects.get(user=owner)
    assert job.state == Job.State.FAILED and "不可用" in job.message
    assert response.url == reverse("reports:job", args=[job.pk])
    assert "生成失败" in client.get(response.url).content.decode()
