"""The committee-scale benchmark behind ``manage.py bench`` (``make bench``).

Each operation is what a real user or job does at the ``large`` demo scale: a page rendered through
the whole middleware stack by Django's test client, or a service/exporter called as its task calls
it. Writes run inside a transaction that is rolled back, so every run starts from the same data and
the benchmark can be repeated on the same database.
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from branches import caching
from branches.demo import SCALES, TOP_CODE, refresh_statistics
from branches.importing import importer_for
from branches.models import OrgUnit, RoleKind, UnitKind, in_subtree, today
from branches.periods import Period, add_months
from branches.services import role_grant
from dues.models import DuesDue, Payment, PointsEntry
from dues.services import dues_generate
from meetings.models import Attendance, Meeting, MeetingKind, MeetingStatus
from members import idnumbers
from members.models import Membership, Person
from reports import scorecards
from reports.exporters import run_export

LOGIN_USERNAME = "bench-login"
LOGIN_PASSWORD = "bench-login-2026"  # a benchmark account on the demo database


class _Rollback(Exception):
    """Raised inside a write operation so its transaction is undone."""


@dataclass
class Budget:
    p95_ms: float | None = None
    queries: int | None = None
    floor_factor: float | None = None
    peak_mb: float | None = None


@dataclass
class Operation:
    name: str
    what: str
    budget: Budget
    run: Callable[[], Any]
    floor: Callable[[], Any] | None = None
    peak_command: list[str] | None = None  # manage.py arguments doing the same once, for peak memory


@dataclass
class Result:
    name: str
    runs: int
    times_ms: list[float]
    queries: int
    floor_ms: float | None = None
    peak_mb: float | None = None
    budget: Budget = field(default_factory=Budget)
    cold_ms: float | None = None  # the first run, with an empty cache

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def failures(self) -> list[str]:
        budget, out = self.budget, []
        if budget.p95_ms is not None and self.p95_ms > budget.p95_ms:
            out.append(f"p95 {self.p95_ms:.0f} ms > {budget.p95_ms:.0f} ms")
        if budget.queries is not None and self.queries > budget.queries:
            out.append(f"{self.queries} queries > {budget.queries}")
        if budget.floor_factor is not None and self.floor_ms and self.median_ms > budget.floor_factor * self.floor_ms:
            out.append(f"{self.median_ms:.0f} ms > {budget.floor_factor:g} × floor {self.floor_ms:.0f} ms")
        if budget.peak_mb is not None and self.peak_mb is not None and self.peak_mb > budget.peak_mb:
            out.append(f"peak {self.peak_mb:.0f} MB > {budget.peak_mb:.0f} MB")
        return out

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "runs": self.runs, "median_ms": round(self.median_ms, 1),
            "p95_ms": round(self.p95_ms, 1), "queries": self.queries,
        }
        if self.cold_ms is not None:
            data["cold_ms"] = round(self.cold_ms, 1)
        if self.floor_ms is not None:
            data["floor_ms"] = round(self.floor_ms, 1)
        if self.peak_mb is not None:
            data["peak_mb"] = round(self.peak_mb, 1)
        data["budget"] = {k: v for k, v in vars(self.budget).items() if v is not None}
        data["within_budget"] = not self.failures()
        return data


def counts() -> dict[str, int]:
    """The size of what was measured."""
    return {
        "org_units": OrgUnit.objects.count(),
        "branches": OrgUnit.objects.filter(kind=UnitKind.BRANCH).count(),
        "groups": OrgUnit.objects.filter(kind=UnitKind.GROUP).count(),
        "people": Person.objects.count(),
        "memberships": Membership.objects.count(),
        "meetings": Meeting.objects.count(),
        "attendance": Attendance.objects.count(),
        "dues_due": DuesDue.objects.count(),
        "payments": Payment.objects.count(),
        "points_entries": PointsEntry.objects.count(),
    }


def ensure_demo(scale: str, stdout: Any) -> None:
    """Seed the demo at ``scale`` on an empty database; reuse it when it is already there."""
    top = OrgUnit.objects.filter(code=TOP_CODE).first()
    if top is None:
        stdout.write(f"数据库中没有演示数据，正在生成 {scale} 规模（首次需要几分钟）…")
        call_command("seed_demo", scale=scale, stdout=stdout)
        return
    branches = OrgUnit.objects.filter(in_subtree(top), kind=UnitKind.BRANCH).count()
    expected = SCALES[scale]["branches"]
    if branches != expected:
        raise CommandError(
            f"数据库中已有演示数据（{branches}个党支部），与 {scale} 规模（{expected}个党支部）不符。"
            "请换一个空数据库（DATABASE_URL）再运行。", returncode=1)
    stdout.write(f"复用已有的 {scale} 规模演示数据（{branches}个党支部）。")
    # A benchmark's rolled-back writes leave dead rows behind, and a server may run without
    # autovacuum (this project's CI machine does): measure a database kept as autovacuum keeps it.
    refresh_statistics(vacuum=True)


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def rolled_back(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run in a transaction that is then undone (so a write can be measured again)."""

    def run() -> None:
        try:
            with transaction.atomic():
                fn()
                raise _Rollback
        except _Rollback:
            pass

    return run


# Runs argv and prints its exit code and peak RSS. Linux carries a process's peak RSS across fork
# and exec, so a child forked straight from the (large) benchmark process would report the
# benchmark's size; a child forked from this small interpreter reports only its own.
_PEAK_RUNNER = ("import os, subprocess, sys; child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); "
                "_, status, usage = os.wait4(child.pid, 0); print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)")


def peak_rss_mb(argv: list[str]) -> float:
    """Peak resident memory (MB) of a fresh ``manage.py`` process running ``argv``: the whole
    process, interpreter and Django included, as a worker holds it."""
    finished = subprocess.run([sys.executable, "-c", _PEAK_RUNNER, sys.executable, "manage.py", *argv],
                              cwd=settings.BASE_DIR, capture_output=True, text=True)
    code, _, kilobytes = finished.stdout.strip().rpartition("\n")[2].partition(" ")
    if finished.returncode != 0 or code != "0":
        raise RuntimeError(f"manage.py {' '.join(argv)} 失败：{finished.stderr[-500:]}")
    return int(kilobytes) / 1024


def measure(op: Operation, *, runs: int, warmup: int = 1, peak: bool = True) -> Result:
    caching.bump(*caching.SUBJECTS)  # the first run computes what later runs may find cached
    cold_ms = timed(op.run)
    for _ in range(warmup - 1):
        op.run()
    with CaptureQueriesContext(connection) as captured:
        op.run()
    queries = len(captured.captured_queries)  # now: the next request resets the query log
    times = [timed(op.run) for _ in range(runs)]
    result = Result(op.name, runs, times, queries, budget=op.budget, cold_ms=cold_ms)
    if op.floor is not None:
        op.floor()
        result.floor_ms = statistics.median(timed(op.floor) for _ in range(runs))
    if peak and op.peak_command:
        with tempfile.TemporaryDirectory() as folder:
            result.peak_mb = peak_rss_mb([arg.replace("{tmp}", folder) for arg in op.peak_command])
    return result


# --- the operations -------------------------------------------------------------------------------


class Setting:
    """The data and accounts the operations use, looked up once."""

    def __init__(self) -> None:
        users = get_user_model().objects
        self.on = today()
        self.top = OrgUnit.objects.get(code=TOP_CODE)
        self.committee_user = users.get(username="dangwei")
        self.secretary = users.get(username="shuji1")
        self.branch = self.secretary.zhibu_roles.get().unit
        self.quarter = Period.containing(self.on, "quarter")
        self.last_quarter = self.quarter.previous()
        self.year = Period.containing(self.on, "year")
        self.last_month = add_months(self.on.replace(day=1), -1)
        meeting = (Meeting.objects.filter(unit=self.branch, kind=MeetingKind.GENERAL, status=MeetingStatus.CONFIRMED)
                   .order_by("-date").first())
        if meeting is None:
            raise RuntimeError(f"{self.branch.name}没有已确认的党员大会，无法测量 meeting_detail")
        self.meeting = meeting
        self.login_user = self._login_account(self.branch)
        self.committee_client = self._client(self.committee_user)
        self.secretary_client = self._client(self.secretary)

    @staticmethod
    def _login_account(branch: OrgUnit) -> str:
        """A secretary whose password the benchmark knows (the demo's is the operator's choice),
        hashed like every account's (Argon2id at OWASP's cost); made once."""
        users = get_user_model().objects
        if not users.filter(username=LOGIN_USERNAME).exists():
            user = users.create_user(LOGIN_USERNAME, password=LOGIN_PASSWORD)
            role_grant(actor=None, user=user, unit=branch, kind=RoleKind.SECRETARY)
        return LOGIN_USERNAME

    @staticmethod
    def _client(user: Any) -> Client:
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        return client


def _login(username: str) -> Callable[[], Any]:
    """Submitting the login form and opening the first page, as a person does: Argon2, axes'
    checks, the session, and the secretary's home."""
    def run() -> None:
        client = Client(SERVER_NAME="localhost")
        response = client.post(reverse("login"), {"username": username, "password": LOGIN_PASSWORD}, follow=True)
        if response.status_code != 200 or not response.redirect_chain:
            raise RuntimeError(f"登录失败：{response.status_code}")

    return run


def _get(client: Client, url: str) -> Callable[[], Any]:
    def run() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} 返回 {response.status_code}")

    return run


def operations(s: Setting) -> list[Operation]:
    def export(identifier: str, period: Period, fmt: str) -> Callable[[], Any]:
        return lambda: run_export(identifier=identifier, unit=s.top, period=period, fmt=fmt, user=s.committee_user,
                                  via="bench")

    next_month = add_months(s.on.replace(day=1), 1)
    grid = f"{reverse('meetings:grid')}?unit={s.top.pk}&period={s.quarter}"
    roster = f"{reverse('members:list')}?status=full"
    return [
        Operation("login_submit", "登录（提交用户名密码并打开首页，支部书记）", Budget(p95_ms=300),
                  _login(s.login_user)),
        Operation("committee_dashboard", "党委首页（顶层党委）", Budget(p95_ms=300, queries=30),
                  _get(s.committee_client, reverse("home"))),
        Operation("compliance_grid_quarter", f"组织生活合规总览（{s.quarter}，全部党组织×规则）", Budget(p95_ms=500, queries=30),
                  _get(s.committee_client, grid)),
        Operation("scorecard_compute_quarter", f"计算全部党支部{s.last_quarter}考评", Budget(p95_ms=3000, floor_factor=3),
                  lambda: scorecards.compute(s.top, s.last_quarter, on=s.on), floor=lambda: scorecard_floor(s)),
        Operation("member_list_page", "党员名册第1页（正式党员，50行，党委视角）", Budget(p95_ms=150, queries=15),
                  _get(s.committee_client, roster)),
        Operation("meeting_detail", "党员大会详情及出勤（支部书记）", Budget(p95_ms=150, queries=15),
                  _get(s.secretary_client, reverse("meetings:detail", args=[s.meeting.pk]))),
        Operation("dues_month_sheet", f"支部{s.last_month:%Y-%m}党费收缴表", Budget(p95_ms=200, queries=15),
                  _get(s.secretary_client, reverse("dues:sheet", args=[s.branch.pk, f"{s.last_month:%Y-%m}"]))),
        Operation("generate_dues_month", f"生成{next_month:%Y-%m}全部党员应缴党费", Budget(p95_ms=10_000),
                  rolled_back(lambda: dues_generate(actor=None, month=next_month))),
        Operation("import_members_10k", "校验并写入10,000行党员名册", Budget(p95_ms=30_000),
                  rolled_back(members_import(s, 10_000))),
        Operation("export_dues_year_committee", f"党费收缴台账xlsx（全部支部，{s.year.year - 1}年12个月）",
                  Budget(p95_ms=30_000, peak_mb=400), export("dues", Period(s.year.year - 1, "year"), "xlsx"),
                  peak_command=["export", "dues", "--org", s.top.code, "--period", str(s.year.year - 1),
                                "--out", "{tmp}/dues.xlsx"]),
        Operation("work_report_committee_year", f"顶层党委{s.year.year}年度工作报告（Word）", Budget(p95_ms=10_000),
                  export("work-report", s.year, "docx")),
    ]


def members_import(s: Setting, rows: int) -> Callable[[], Any]:
    """A roster workbook of ``rows`` new 正式党员 spread over the secretary's committee's branches."""
    branches = list(OrgUnit.objects.filter(in_subtree(s.top), kind=UnitKind.BRANCH)
                    .values_list("code", flat=True).order_by("path"))
    headers = ["姓名*", "公民身份号码*", "人员类别*", "所在党组织编码*", "性别", "出生日期", "申请入党日期",
               "确定积极分子日期", "确定发展对象日期", "接收预备党员日期", "转正日期", "联系电话", "党费类别", "党费基数"]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("党员名册")
    sheet.append(headers)
    surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    for i in range(rows):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=i % 12_000)
        male = i % 2 == 0
        # Region 659001 (石河子) is not used by the demo, so every number is new.
        number = idnumbers.make("659001", birth, i // 12_000, male)
        joined = dt.date(birth.year + 25, 7, 1)
        sheet.append([
            surnames[i % 10] + given[i % 19] + given[(i // 19) % 19], number, "正式党员", branches[i % len(branches)],
            "男" if male else "女", birth, dt.date(joined.year - 2, 3, 1), dt.date(joined.year - 2, 9, 1),
            dt.date(joined.year - 1, 6, 1), joined, dt.date(joined.year + 1, 7, 1), f"139{i:08d}", "在职",
            5000 + (i % 50) * 100,
        ])
    buffer = BytesIO()
    book.save(buffer)
    content = buffer.getvalue()

    def run() -> None:
        result = importer_for("members").run(BytesIO(content), actor=s.secretary, user=None)
        if result.created != rows:
            raise RuntimeError(f"导入了{result.created}行，应为{rows}行")

    return run


# The floor for scorecard_compute_quarter: the aggregates the rubric needs, each one hand-written
# SQL statement over the same tables, with no Python on top. Computing the cards may cost at most a
# few times this.
FLOOR_SQL = {
    "members": """
        SELECT m.unit_id, p.status, COUNT(*) FROM members_membership m JOIN members_person p ON p.id = m.person_id
        JOIN branches_orgunit u ON u.id = m.unit_id
        WHERE u.path LIKE %(path)s AND m.started_on <= %(end)s AND (m.ended_on IS NULL OR m.ended_on > %(end)s)
        GROUP BY m.unit_id, p.status""",
    "officers": """
        SELECT o.unit_id, o.role, COUNT(*) FROM branches_officer o JOIN branches_orgunit u ON u.id = o.unit_id
        WHERE u.path LIKE %(path)s AND o.started_on <= %(end)s AND (o.ended_on IS NULL OR o.ended_on > %(end)s)
        GROUP BY o.unit_id, o.role""",
    "terms": """
        SELECT t.unit_id, MAX(t.started_on) FROM branches_term t JOIN branches_orgunit u ON u.id = t.unit_id
        WHERE u.path LIKE %(path)s AND t.started_on <= %(end)s GROUP BY t.unit_id""",
    "groups": """
        SELECT parent_id, COUNT(*) FROM branches_orgunit WHERE path LIKE %(path)s AND kind = 'group'
        AND (archived_on IS NULL OR archived_on > %(end)s) GROUP BY parent_id""",
    "meetings": """
        SELECT mt.unit_id, mt.kind, mt.also_general, mt.also_lecture, mt.date, COUNT(*)
        FROM meetings_meeting mt JOIN branches_orgunit u ON u.id = mt.unit_id
        WHERE u.path LIKE %(path)s AND mt.status = 'confirmed' AND mt.date BETWEEN %(year_start)s AND %(end)s
        GROUP BY mt.unit_id, mt.kind, mt.also_general, mt.also_lecture, mt.date""",
    "attendance": """
        SELECT mt.unit_id, a.status, COUNT(*) FROM meetings_attendance a JOIN meetings_meeting mt ON mt.id = a.meeting_id
        JOIN branches_orgunit u ON u.id = mt.unit_id
        WHERE u.path LIKE %(path)s AND mt.status = 'confirmed' AND mt.date BETWEEN %(start)s AND %(end)s
        GROUP BY mt.unit_id, a.status""",
    "talks": """
        SELECT t.unit_id, COUNT(*) FROM meetings_talk t JOIN branches_orgunit u ON u.id = t.unit_id
        WHERE u.path LIKE %(path)s AND t.voided_at IS NULL AND t.date BETWEEN %(year_start)s AND %(end)s GROUP BY t.unit_id""",
    "dues": """
        SELECT d.unit_id, SUM(d.amount), COUNT(*), SUM(COALESCE(p.paid, 0)), COUNT(p.paid)
        FROM dues_duesdue d JOIN branches_orgunit u ON u.id = d.unit_id
        LEFT JOIN (SELECT person_id, month, SUM(amount) AS paid FROM dues_payment WHERE voided_at IS NULL
                   GROUP BY person_id, month) p ON p.person_id = d.person_id AND p.month = d.month
        WHERE u.path LIKE %(path)s AND d.month BETWEEN %(start)s AND %(end)s GROUP BY d.unit_id""",
    "points": """
        SELECT unit_id, month, state FROM dues_pointssheet WHERE unit_id IN
        (SELECT id FROM branches_orgunit WHERE path LIKE %(path)s) AND month BETWEEN %(start)s AND %(end)s""",
    "remittances": """
        SELECT unit_id, MIN(remitted_on) FROM dues_remittance WHERE voided_at IS NULL AND unit_id IN
        (SELECT id FROM branches_orgunit WHERE path LIKE %(path)s) GROUP BY unit_id""",
    "pipeline": """
        SELECT m.unit_id, s.person_id, s.step, MAX(s.done_on) FROM members_developmentstep s
        JOIN members_membership m ON m.person_id = s.person_id AND m.ended_on IS NULL
        JOIN branches_orgunit u ON u.id = m.unit_id
        WHERE u.path LIKE %(path)s GROUP BY m.unit_id, s.person_id, s.step""",
}


def scorecard_floor(s: Setting) -> None:
    period = s.last_quarter
    params = {"path": s.top.path + "%", "start": period.start, "end": period.end,
              "year_start": dt.date(period.year, 1, 1)}
    with connection.cursor() as cursor:
        for sql in FLOOR_SQL.values():
            cursor.execute(sql, params)
            cursor.fetchall()
