"""Cached summaries (branches/caching.py): a page computes a summary once and reads it from Django's
cache until a service writes what it reads; then the next page shows the write, however the
service wrote it (with history or without, ``bulk_create``, ``update``, raw SQL).

The page tests run against each cache the portal may be given: the process's memory (the test
settings), files (the default without Redis) and Redis (``REDIS_URL``, marked ``redis``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.cache.backends.filebased import FileBasedCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import caching
from branches.models import OfficerRole, Role, RoleKind, UnitKind
from branches.periods import Period
from branches.services import officer_appoint, org_unit_create
from dues import points
from dues.services import dues_backfill, dues_generate, payments_record
from meetings.models import MeetingKind
from meetings.services import meeting_confirm, meeting_create
from members.models import Status
from members.services import development_step_record
from reports import services as report_services
from reports.models import RubricItem
from tests.dues.helpers import member
from tests.factories import make_person, make_unit, make_user

TODAY = dt.date.today()


@pytest.fixture(params=["memory", "files", pytest.param("redis", marks=pytest.mark.redis)])
def any_cache(request, settings, tmp_path):
    """The default cache as each deployment has it; Redis under a prefix of this test's own."""
    if request.param == "files":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                       "LOCATION": str(tmp_path / "cache")}}
    elif request.param == "redis":
        settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache",
                                       "LOCATION": django_settings.REDIS_URL, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    return request.param


# --- the helper ------------------------------------------------------------------------------------


def test_a_key_moves_with_the_versions_of_its_subjects_only():
    key = caching.versioned_key("grid", 1, "2026Q4", subjects=("units", "meetings"))
    assert caching.versioned_key("grid", 1, "2026Q4", subjects=("units", "meetings")) == key
    assert caching.versioned_key("grid", 2, "2026Q4", subjects=("units", "meetings")) != key
    caching.bump("dues")
    assert caching.versioned_key("grid", 1, "2026Q4", subjects=("units", "meetings")) == key
    caching.bump("meetings")
    assert caching.versioned_key("grid", 1, "2026Q4", subjects=("units", "meetings")) != key


def test_get_or_set_computes_once_until_a_bump():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    def read():
        return cache.get_or_set(caching.versioned_key("count", subjects=("people",)), compute)

    assert read() == 1 and read() == 1
    caching.bump("units")
    assert read() == 1
    caching.bump("people")
    assert read() == 2 and read() == 2


def test_an_unknown_subject_is_refused():
    with pytest.raises(ValueError, match="meeting"):
        caching.bump("meeting")
    with pytest.raises(ValueError):
        caching.versioned_key("x", subjects=("members",))


@pytest.mark.django_db
def test_a_bump_in_a_transaction_is_renewed_once_it_commits(django_capture_on_commit_callbacks):
    """A page computed between the write and its commit read the records as they were: the commit
    gives a new version again, so what it stored is not read."""
    with django_capture_on_commit_callbacks(execute=True):
        caching.bump("meetings")
        before_commit = caching.cache_version("meetings")
    assert caching.cache_version("meetings") != before_commit


def test_a_lost_version_is_never_handed_out_again():
    """Versions are random: an evicted or expired one comes back as a new one, so no entry kept
    under the old one can be read."""
    seen = {caching.cache_version("people")}
    for _ in range(5):
        cache.delete("zhibu:version:people")
        seen.add(caching.cache_version("people"))
    assert len(seen) == 6


def test_versions_in_files_are_shared_by_every_process(settings, tmp_path):
    """Without Redis the cache is files: a worker process that writes bumps the version every other
    worker reads (here, a second cache object on the same folder)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path)}}
    other_process = FileBasedCache(str(tmp_path), {})
    before = caching.cache_version("meetings")
    assert other_process.get("zhibu:version:meetings") == before
    caching.bump("meetings")
    assert other_process.get("zhibu:version:meetings") not in (None, before)


@pytest.mark.parametrize("redis_url", ["", "redis://127.0.0.1:6379/3"])
def test_the_cache_is_one_every_process_shares(redis_url):
    """Base settings: Redis when REDIS_URL is set, otherwise files under var/cache; never a
    process's own memory (a write in one worker would leave the others' pages stale). Keys carry
    the database."""
    code = ("import json; from config.settings import base; "
            "print(json.dumps(base.CACHES))")
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": "postgres://u@db.example:5432/zhibu_x"}
    out = subprocess.run([sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env, capture_output=True,
                         text=True, check=True, timeout=60)
    caches = json.loads(out.stdout.strip().splitlines()[-1])
    assert list(caches) == ["default"]
    default = caches["default"]
    if redis_url:
        assert default["BACKEND"] == "django_redis.cache.RedisCache"
        assert default["LOCATION"] == redis_url
    else:
        assert default["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
        assert default["LOCATION"] == str(django_settings.BASE_DIR / "var" / "cache")
    assert default["KEY_PREFIX"].endswith("db.example:5432/zhibu_x")


# --- a write through each family of services shows on the next page ---------------------------------


def _home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.context


def _todos(client) -> list[str]:
    return [todo.text for _, todos in _home(client)["todos"] for todo in todos]


@pytest.mark.django_db
def test_units_a_new_branch_and_an_officer(any_cache, client_for, tree, staff, owner):
    grid_url = reverse("meetings:grid") + f"?unit={tree['committee'].pk}&period={Period.containing(TODAY, 'quarter')}"
    client = client_for(staff)
    assert client.get(grid_url).context["total"] == 2
    # org_unit_create writes the unit's path with QuerySet.update(), which leaves no history
    org_unit_create(actor=None, code="T9001", name="第三党支部", kind=UnitKind.BRANCH, parent=tree["committee"])
    assert client.get(grid_url).context["total"] == 3

    person = make_person(tree["branch_a"])
    client = client_for(owner)

    def warnings() -> list[str]:
        return [w for node in _home(client)["branches"] for w in node.warnings]

    assert any("书记" in w for w in warnings())
    officer_appoint(actor=None, unit=tree["branch_a"], person=person, role=OfficerRole.SECRETARY, started_on=TODAY)
    assert not any("书记" in w for w in warnings())


@pytest.mark.django_db
def test_people_a_new_member_and_a_recorded_step(any_cache, client_for, tree, staff):
    client = client_for(staff)

    def members_of_a() -> int:
        nodes = {node.unit.pk: node for node in _home(client)["branches"]}
        return nodes[tree["branch_a"].pk].counts.party_members

    assert members_of_a() == 0
    make_person(tree["branch_a"])  # person_create
    assert members_of_a() == 1

    applied = TODAY - dt.timedelta(days=120)
    person = make_person(tree["branch_a"], status=Status.APPLICANT, applied_on=applied)
    assert [row.person.pk for row in _home(client)["pipeline"]] == [person.pk]
    development_step_record(actor=None, person=person, step=2, done_on=applied + dt.timedelta(days=20))
    assert _home(client)["pipeline"] == []


@pytest.mark.django_db
def test_meetings_a_confirmed_meeting(any_cache, client_for, tree, staff):
    make_person(tree["branch_a"])
    make_person(tree["branch_b"])
    client = client_for(staff)

    def met() -> int:
        return _home(client)["overview"]["heatmap"]["counts"][2]

    before = met()
    meeting = meeting_create(actor=None, unit=tree["branch_a"], kind=MeetingKind.GENERAL,
                             date=TODAY.replace(day=1), topic="党员大会")
    assert met() == before  # a draft counts for nothing yet
    meeting_confirm(actor=None, meeting=meeting)
    assert met() == before + 1


@pytest.mark.django_db
def test_dues_generated_without_history_paid_and_backfilled_by_raw_sql(any_cache, client_for, tree, staff, owner):
    person = member(tree["branch_a"])
    month = TODAY.replace(day=1)
    committee = client_for(staff)

    def due() -> Decimal:
        return _home(committee)["overview"]["dues"]["due"]

    assert due() == 0
    dues_generate(actor=None, month=month, unit=tree["branch_a"])  # bulk_create: amounts due keep no history
    assert due() > 0

    secretary = client_for(owner)
    assert any(f"{month.month}月还有1人未缴党费" in text for text in _todos(secretary))
    payments_record(actor=None, person=person, months=[month], paid_on=TODAY)
    assert not any("未缴党费" in text for text in _todos(secretary))

    committee = client_for(staff)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    quarter_start = Period.containing(TODAY, "quarter").start
    if previous >= quarter_start:  # the committee's sums cover this quarter up to today
        shown = due()
        assert dues_backfill(actor=None, months=[previous]) == 1  # raw SQL INSERT
        assert due() > shown


@pytest.mark.django_db
def test_points_a_sheet_opened(any_cache, client_for, tree, owner):
    member(tree["branch_a"])
    client = client_for(owner)
    previous = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert any(f"{previous.month}月积分尚未开始评定" in text for text in _todos(client))
    points.points_sheet_open(actor=None, unit=tree["branch_a"], month=previous)
    assert not any("尚未开始评定" in text for text in _todos(client))
    assert any(f"{previous.month}月积分处于" in text for text in _todos(client))


@pytest.mark.django_db
def test_scorecards_published(any_cache, client_for, tree, staff):
    make_person(tree["branch_a"])
    client = client_for(staff)
    quarter = Period.containing(TODAY, "quarter").previous()
    assert _home(client)["overview"]["scorecard_period"] is None
    overall = RubricItem.objects.get(code="overall")
    for unit in (tree["branch_a"], tree["branch_b"]):
        report_services.manual_score_set(actor=staff, unit=unit, period=quarter, item=overall, points="8",
                                         comment="资料规范")
    report_services.scorecards_publish(actor=staff, root=tree["committee"], period=quarter)
    assert _home(client)["overview"]["scorecard_period"] == quarter


@pytest.mark.django_db
def test_the_cached_overdue_list_follows_a_change_of_roles(client_for, tree):
    """Keyed by what the user may see: a role taken away hides that branch's people at once."""
    branch_c = make_unit(UnitKind.BRANCH, tree["committee"], name="第三党支部")
    applied = TODAY - dt.timedelta(days=120)
    late = {key: make_person(unit, status=Status.APPLICANT, applied_on=applied)
            for key, unit in (("a", tree["branch_a"]), ("b", tree["branch_b"]), ("c", branch_c))}
    user = make_user(tree["branch_a"])
    Role.objects.create(user=user, unit=tree["branch_b"], kind=RoleKind.SECRETARY)
    client = client_for(user)

    def shown() -> set[int]:
        return {row.person.pk for row in _home(client)["pipeline"]}

    assert shown() == {late["a"].pk, late["b"].pk}
    Role.objects.filter(user=user, unit=tree["branch_b"]).delete()  # not a service: no bump needed
    Role.objects.create(user=user, unit=branch_c, kind=RoleKind.SECRETARY)
    assert shown() == {late["a"].pk, late["c"].pk}


@pytest.mark.django_db
def test_an_unchanged_page_is_read_from_the_cache(client_for, tree, staff):
    """The committee home's summaries are computed once: the second view runs fewer queries."""
    make_person(tree["branch_a"])
    client = client_for(staff)
    with CaptureQueriesContext(connection) as first:
        _home(client)
    with CaptureQueriesContext(connection) as second:
        _home(client)
    assert len(second) < len(first)
