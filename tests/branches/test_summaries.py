"""Cached summaries: reused while the records they read are unchanged, recomputed after a change."""

import datetime as dt
import html
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from branches import summaries
from meetings.models import Meeting, MeetingKind
from members.models import Membership, Person
from tests.factories import make_person
from tests.meetings.conftest import held


def home(client) -> str:
    return client.get(reverse("home")).content.decode()


def chart_data(page: str, element_id: str) -> dict:
    """The data a page hands a chart (``json_script``)."""
    return json.loads(page.split(f'<script id="{element_id}" type="application/json">')[1].split("</script>")[0])


def overdue_people(page: str) -> list[int]:
    """The people the home page's 发展党员超期事项 card lists."""
    card = page.split("发展党员超期事项")[1].split("card-footer")[0]
    return [int(pk) for pk in re.findall(r'href="/members/(\d+)/"', card)]

ON = dt.date(2026, 11, 22)


@pytest.mark.django_db
def test_change_stamp_moves_with_a_recorded_change(tree):
    before = summaries.change_stamp([Meeting, Person])
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2026, 10, 20))
    after = summaries.change_stamp([Meeting, Person])
    assert after[0] != before[0]
    assert after[1] == before[1]


@pytest.mark.django_db
def test_cached_until_a_read_model_changes(tree):
    calls = []

    def compute():
        calls.append(1)
        return Meeting.objects.count()

    assert summaries.cached("meetings", ("x",), [Meeting], compute) == 0
    assert summaries.cached("meetings", ("x",), [Meeting], compute) == 0
    assert len(calls) == 1
    make_person(tree["branch_a"])  # a model the summary does not read
    assert summaries.cached("meetings", ("x",), [Meeting], compute) == 0
    assert len(calls) == 1
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2026, 10, 20))
    assert summaries.cached("meetings", ("x",), [Meeting], compute) == 1
    assert len(calls) == 2
    assert summaries.cached("meetings", ("y",), [Meeting], compute) == 1  # another key
    assert len(calls) == 3


@pytest.mark.django_db
def test_a_costly_summary_is_reused_briefly_after_a_change(tree, monkeypatch, settings):
    settings.SUMMARY_REUSE_PER_COST = summaries.REUSE_PER_COST
    clock = [1000.0]
    monkeypatch.setattr(summaries.time, "time", lambda: clock[0])
    monkeypatch.setattr(summaries.time, "perf_counter", lambda: clock[0])

    def compute():
        clock[0] += 0.2  # costs 0.2 s: reusable for 10 s after a change
        return Meeting.objects.count()

    assert summaries.cached("meetings", (), [Meeting], compute) == 0
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2026, 10, 20))
    clock[0] += 5
    assert summaries.cached("meetings", (), [Meeting], compute) == 0  # within 10 s of the last computation
    clock[0] += 6
    assert summaries.cached("meetings", (), [Meeting], compute) == 1


@pytest.mark.django_db
def test_committee_home_shows_a_meeting_recorded_after_the_last_view(client_for, tree, staff):
    make_person(tree["branch_a"])
    make_person(tree["branch_b"])
    client = client_for(staff)

    def met_cells() -> int:
        return chart_data(home(client), "chart-heatmap")["counts"].get("2", 0)  # JSON keys are strings

    before = met_cells()
    assert met_cells() == before
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date.today().replace(day=1))
    assert met_cells() == before + 1


@pytest.mark.django_db
def test_committee_home_drops_an_overdue_step_once_it_is_recorded(client_for, tree, staff):
    from members.models import Status
    from members.services import development_step_record

    applied = dt.date.today() - dt.timedelta(days=120)
    person = make_person(tree["branch_a"], status=Status.APPLICANT, applied_on=applied)
    client = client_for(staff)
    assert overdue_people(home(client)) == [person.pk]
    development_step_record(actor=None, person=person, step=2, done_on=applied + dt.timedelta(days=20))
    assert overdue_people(home(client)) == []


@pytest.mark.django_db
def test_the_cached_overdue_list_follows_a_change_of_roles(client_for, tree, settings):
    """Keyed by what the user may see: a role taken away hides that branch's people at once,
    even within the reuse window."""
    from branches.models import Role, RoleKind, UnitKind
    from members.models import Status
    from tests.factories import make_unit, make_user

    settings.SUMMARY_REUSE_PER_COST = 10_000
    branch_c = make_unit(UnitKind.BRANCH, tree["committee"], name="第三党支部")
    applied = dt.date.today() - dt.timedelta(days=120)
    late = {key: make_person(unit, status=Status.APPLICANT, applied_on=applied)
            for key, unit in (("a", tree["branch_a"]), ("b", tree["branch_b"]), ("c", branch_c))}
    user = make_user(tree["branch_a"])
    Role.objects.create(user=user, unit=tree["branch_b"], kind=RoleKind.SECRETARY)
    client = client_for(user)

    def shown() -> set[int]:
        return set(overdue_people(home(client)))

    assert shown() == {late["a"].pk, late["b"].pk}
    Role.objects.filter(user=user, unit=tree["branch_b"]).delete()
    Role.objects.create(user=user, unit=branch_c, kind=RoleKind.SECRETARY)
    assert shown() == {late["a"].pk, late["c"].pk}


def _todo_texts(client) -> list[str]:
    """The to-dos on a secretary's home page (each follows its area's badge)."""
    return [html.unescape(text) for text in re.findall(r' me-1">[^<]*</span>([^<]*)', home(client))]


@pytest.mark.django_db
def test_secretary_home_drops_a_meeting_to_do_once_it_is_held(client_for, tree, owner):
    make_person(tree["branch_a"])
    client = client_for(owner)
    today = dt.date.today()
    due = [text for text in _todo_texts(client) if "主题党日" in text and f"{today.month}月" in text]
    assert due and _todo_texts(client) == _todo_texts(client)  # the cached to-dos read the same
    held(tree["branch_a"], MeetingKind.THEME_DAY, today)
    assert not [text for text in _todo_texts(client) if "主题党日" in text and f"{today.month}月" in text]


@pytest.mark.django_db
def test_secretary_home_follows_the_months_dues(client_for, tree, owner):
    from dues.services import dues_generate
    from tests.dues.helpers import member

    member(tree["branch_a"])
    client = client_for(owner)
    month = dt.date.today().replace(day=1)
    assert any(f"{month.month}月应缴党费尚未生成" in text for text in _todo_texts(client))
    dues_generate(actor=None, month=month, unit=tree["branch_a"])
    texts = _todo_texts(client)
    assert not any("尚未生成" in text for text in texts)
    assert any(f"{month.month}月还有1人未缴党费" in text for text in texts)


@pytest.mark.django_db
def test_home_tree_shows_an_officer_appointed_after_the_last_view(client_for, tree, owner):
    from branches.models import OfficerRole
    from branches.services import officer_appoint

    person = make_person(tree["branch_a"])
    client = client_for(owner)

    assert "未配备支部书记" in home(client)  # among the organisations that need attention
    officer_appoint(actor=None, unit=tree["branch_a"], person=person, role=OfficerRole.SECRETARY,
                    started_on=dt.date.today())
    assert "未配备支部书记" not in home(client)


@pytest.mark.django_db
def test_pipeline_page_counts_follow_a_recorded_step(client_for, tree, staff):
    from members.models import Status
    from members.services import development_step_record

    applied = dt.date.today() - dt.timedelta(days=120)
    person = make_person(tree["branch_a"], status=Status.APPLICANT, applied_on=applied)
    client = client_for(staff)
    assert "1人有超期事项" in client.get(reverse("members:pipeline")).content.decode()
    development_step_record(actor=None, person=person, step=2, done_on=applied + dt.timedelta(days=20))
    page = client.get(reverse("members:pipeline")).content.decode()
    assert "有超期事项" not in page
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    assert re.findall(r'href="/members/(\d+)/"', table) == [str(person.pk)]


@pytest.mark.django_db
def test_an_unusable_cache_computes_the_summary_instead(tree, monkeypatch):
    """A full disk, a folder the workers may not write, an entry pickled by code a deploy changed:
    the page is shown from a fresh computation, never a 500."""
    from django.core.cache import caches

    store = caches[summaries.CACHE]

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(store, "get", broken)
    monkeypatch.setattr(store, "set", broken)
    assert summaries.cached("meetings", ("x",), [Meeting], Meeting.objects.count) == 0
    held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2026, 10, 20))
    assert summaries.cached("meetings", ("x",), [Meeting], Meeting.objects.count) == 1


@pytest.mark.django_db
def test_the_file_cache_is_shared_and_keyed_by_database(tmp_path, settings, tree):
    """Production keeps summaries in files every worker process reads (base settings); two
    databases on one machine do not see each other's entries."""
    from django.core.cache.backends.filebased import FileBasedCache

    from config.settings import base

    options = base.CACHES["summaries"]
    assert options["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    first = FileBasedCache(str(tmp_path), {"KEY_PREFIX": options["KEY_PREFIX"]})
    other_process = FileBasedCache(str(tmp_path), {"KEY_PREFIX": options["KEY_PREFIX"]})
    other_database = FileBasedCache(str(tmp_path), {"KEY_PREFIX": options["KEY_PREFIX"] + "-other"})
    first.set("zhibu:summary:x", "value")
    assert other_process.get("zhibu:summary:x") == "value"
    assert other_database.get("zhibu:summary:x") is None


@pytest.mark.django_db
def test_amounts_due_stamp_by_their_newest_update(tree):
    """Amounts due keep no history: their stamp is the newest ``updated_at``, which moves when
    they are generated and when a regeneration changes one."""
    from decimal import Decimal

    from dues.models import DuesDue
    from dues.services import dues_base_set, dues_generate
    from tests.dues.helpers import member

    person = member(tree["branch_a"])
    month = dt.date.today().replace(day=1)
    before = summaries.change_stamp([DuesDue])
    dues_generate(actor=None, month=month, unit=tree["branch_a"])
    generated = summaries.change_stamp([DuesDue])
    amount = DuesDue.objects.get(person=person).amount
    assert generated != before
    dues_generate(actor=None, month=month, unit=tree["branch_a"])  # nothing changes
    assert summaries.change_stamp([DuesDue]) == generated
    dues_base_set(actor=None, person=person, category="在职", base=Decimal("9000"), effective_from=month)
    dues_generate(actor=None, month=month, unit=tree["branch_a"])  # the amount due changes
    assert DuesDue.objects.get(person=person).amount > amount
    assert summaries.change_stamp([DuesDue]) != generated


@pytest.mark.django_db
def test_committee_home_dues_follow_a_generated_month(client_for, tree, staff):
    from dues.services import dues_generate
    from tests.dues.helpers import member

    member(tree["branch_a"])
    client = client_for(staff)

    def due() -> Decimal:
        return Decimal(re.search(r"应缴 ([\d.,]+) 元", home(client))[1].replace(",", ""))

    assert due() == 0 and due() == 0
    dues_generate(actor=None, month=dt.date.today().replace(day=1), unit=tree["branch_a"])
    assert due() > 0


def stamp_queries(queries) -> int:
    return sum("MAX(" in query["sql"] for query in queries.captured_queries)


@pytest.mark.django_db
def test_a_page_reads_each_stamp_once_and_read_ahead_reads_them_together(tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with summaries.stamps_per_page(), CaptureQueriesContext(connection) as queries:
        summaries.read_ahead([Meeting, Person])
        summaries.cached("a", (), [Meeting], lambda: 1)
        summaries.cached("b", (), [Person, Meeting], lambda: 2)
        assert stamp_queries(queries) == 1
        summaries.cached("c", (), [Membership], lambda: 3)  # not read ahead: read when asked for
        assert stamp_queries(queries) == 2
    with CaptureQueriesContext(connection) as queries:  # outside a page each summary reads its own
        summaries.read_ahead([Meeting])
        summaries.cached("a", (), [Meeting], lambda: 1)
        summaries.cached("b", (), [Person, Meeting], lambda: 2)
    assert stamp_queries(queries) == 2


@pytest.mark.django_db
def test_a_summary_computed_after_its_stamp_is_computed_again_on_the_next_page(tree):
    """Within a page the stamps are those read first: a change made after them is seen by the
    next page, never hidden under the newer stamp."""
    calls = []

    def compute():
        calls.append(1)
        return Meeting.objects.count()

    with summaries.stamps_per_page():
        summaries.read_ahead([Meeting])
        held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2026, 10, 20))
        assert summaries.cached("meetings", (), [Meeting], compute) == 1
    with summaries.stamps_per_page():
        assert summaries.cached("meetings", (), [Meeting], compute) == 1
    assert len(calls) == 2  # its stamp was older than what it counted
    with summaries.stamps_per_page():
        assert summaries.cached("meetings", (), [Meeting], compute) == 1
    assert len(calls) == 2


def test_only_pages_that_are_read_share_their_stamps(rf):
    from branches.middleware import summary_stamps

    seen = {}

    def view(request):
        seen[request.method] = summaries._page_stamps.get()
        return None

    for method in ("get", "head", "post"):
        summary_stamps(view)(getattr(rf, method)("/"))
    assert seen["GET"] == {} and seen["HEAD"] == {} and seen["POST"] is None
    assert summaries._page_stamps.get() is None  # and nothing is left behind


@pytest.mark.django_db
def test_home_reads_its_summaries_stamps_in_one_query(client_for, tree, owner, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for user in (owner, staff):
        client = client_for(user)
        client.get(reverse("home"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        assert stamp_queries(queries) == 1, user
