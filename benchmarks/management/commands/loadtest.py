"""``manage.py loadtest`` (``make load``): many logged-in users against gunicorn on loopback.

Starts gunicorn with the production settings on 127.0.0.1 (TLS is assumed terminated by nginx, so
requests carry ``X-Forwarded-Proto: https`` as nginx would add), logs every user in through the
login form, then lets them click through a read-mostly mix of pages for a bounded time and number
of requests. Prints throughput, latency percentiles and errors; exits 1 when a target is missed.

Users pause between clicks (exponentially, so together they offer ``--rate`` requests a second),
and a user whose page is late clicks again at once. Without pauses (``--rate 0``) 50 users keep 50
requests in flight, and by Little's law the mean response time is then 50 / throughput whatever
the server does: at 100 requests/s it is 500 ms, so such a run cannot show a p95 under 500 ms.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from benchmarks import bench
from branches.models import OrgUnit, RoleKind, UnitKind, in_subtree, today
from branches.periods import Period, add_months
from branches.services import role_grant
from dues.models import DuesDue
from meetings.models import Meeting, MeetingStatus
from members.models import Membership

PASSWORD = "zhibu2026"
FLOOD_ADDRESS = "203.0.113.7"  # a documentation address (RFC 5737)
FLOOD_THREADS = 2
Sample = tuple[str, float, int]  # page label, milliseconds, HTTP status
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Visitor:
    """One logged-in person and the pages they move between, weighted by how often they open them."""

    username: str
    pages: list[tuple[str, str, int]]  # (label, url, weight)
    cookies: dict[str, str] = field(default_factory=dict)

    def pick(self, rng: random.Random) -> tuple[str, str]:
        label, url, _ = rng.choices(self.pages, weights=[w for *_, w in self.pages])[0]
        return label, url


class Http:
    """A keep-alive connection that reconnects when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, url: str, visitor: Visitor, body: dict[str, str] | None = None,
                address: str | None = None) -> tuple[int, str]:
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "User-Agent": "zhibu-loadtest",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in visitor.cookies.items())}
        if address:  # a client behind nginx (loopback is a trusted proxy): its address as nginx adds it
            headers["X-Forwarded-For"] = address
        data = None
        if body is not None:
            data = urlencode(body)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Referer": f"https://127.0.0.1{url}"})
        for attempt in range(2):
            try:
                self.connection.request(method, url, body=data, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt:
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                visitor.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, text


class Command(BaseCommand):
    help = "负载测试：gunicorn（生产配置）+ 多名已登录用户的只读为主的访问组合"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--duration", type=float, default=60, help="测量时长上限（秒）")
        parser.add_argument("--requests", type=int, default=10_000, help="请求数上限")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                            help="gunicorn 进程数（默认与 config/gunicorn_conf.py 相同：每核一个）")
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                            help="gunicorn 的 worker 类型（sync：每个进程一次处理一个请求，不保持连接）")
        parser.add_argument("--scale", default="large")
        parser.add_argument("--rate", type=float, default=110,
                            help="所有用户合计每秒发出的请求数（0：不停顿，连续点击）")
        parser.add_argument("--min-rps", type=float, default=100)
        parser.add_argument("--max-p95-ms", type=float, default=500)
        parser.add_argument("--flood", type=float, default=0,
                            help="测量期间从一个地址每秒提交的错误密码次数（新用户名与真实用户名交替）")

    def handle(self, *args: Any, **options: Any) -> None:
        bench.ensure_demo(options["scale"], self.stdout)
        visitors = self._visitors(options["users"])
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
               "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1,localhost"}
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=settings.BASE_DIR,
                       env=env, check=True)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "config/gunicorn_conf.py",
             "--bind", f"127.0.0.1:{options['port']}",
             "--workers", str(options["workers"]), "--threads", str(options["threads"]),
             "--worker-class", options["worker_class"], "--log-level", "warning", "--timeout", "60"],
            cwd=settings.BASE_DIR, env=env, start_new_session=True)
        try:
            self._wait_ready(options["port"], server)
            for visitor in visitors:
                self._login(options["port"], visitor)
            self.stdout.write(f"{len(visitors)}名用户已登录，预热中…")
            self._run(options["port"], visitors, duration=10, limit=len(visitors) * 4, rate=options["rate"])
            pace = f"合计每秒约{options['rate']:.0f}个请求" if options["rate"] else "不停顿"
            self.stdout.write(f"测量：{pace}，最长{options['duration']:.0f}秒、最多{options['requests']}个请求…")
            stop, flood = threading.Event(), Counter()
            flooders = [threading.Thread(target=self._flood, args=(options["port"], visitors, stop, flood, i,
                                                                   options["flood"] / FLOOD_THREADS), daemon=True)
                        for i in range(FLOOD_THREADS if options["flood"] else 0)]
            for thread in flooders:
                thread.start()
            samples, elapsed = self._run(options["port"], visitors, duration=options["duration"],
                                         limit=options["requests"], rate=options["rate"])
            stop.set()
            for thread in flooders:
                thread.join()
            if flooders:
                self._report_flood(options["port"], visitors[0], flood, elapsed)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        self._report(samples, elapsed, options)

    def _visitors(self, count: int) -> list[Visitor]:
        """Mostly secretaries of different branches, one in ten committee staff (a committee of 500
        branches has a handful of staff). The live scorecard computation (seconds, measured by
        ``bench``) is left out of the mix."""
        top = OrgUnit.objects.get(code="DW")
        staff_count = max(1, count // 10)
        branches = list(OrgUnit.objects.filter(in_subtree(top), kind=UnitKind.BRANCH).order_by("path")
                        [: count - staff_count])
        users = self._accounts(top, branches, staff_count)
        on = today()
        month = add_months(on.replace(day=1), -1)
        quarter = Period.containing(on, "quarter")
        meetings = dict(Meeting.objects.filter(unit__in=branches, status=MeetingStatus.CONFIRMED)
                        .order_by("unit_id", "date").values_list("unit_id", "pk"))
        people = dict(Membership.objects.filter(unit__in=branches, ended_on__isnull=True).values_list("unit_id", "person_id"))
        has_dues = set(DuesDue.objects.filter(unit__in=branches, month=month).values_list("unit_id", flat=True).distinct())
        visitors = []
        for username, branch in users:
            if branch is None:
                pages = [
                    ("首页", reverse("home"), 3),
                    ("合规总览", f"{reverse('meetings:grid')}?unit={top.pk}&period={quarter}", 2),
                    ("组织架构", reverse("org:tree"), 1),
                    ("党员名册", f"{reverse('members:list')}?status=full", 3),
                    ("名册搜索", f"{reverse('members:list')}?q=wang", 1),
                    ("发展党员", reverse("members:pipeline"), 1),
                    ("会议列表", reverse("meetings:list"), 2),
                ]
            else:
                pages = [
                    ("首页", reverse("home"), 4),
                    ("会议列表", f"{reverse('meetings:list')}?unit={branch.pk}", 3),
                    ("党员名册", f"{reverse('members:list')}?unit={branch.pk}", 3),
                    ("支部", reverse("org:unit", args=[branch.pk]), 2),
                    ("日历", reverse("meetings:calendar"), 1),
                    ("合规", f"{reverse('meetings:compliance')}?unit={branch.pk}", 1),
                    ("党费", reverse("dues:unit", args=[branch.pk]), 1),
                ]
                if branch.pk in meetings:
                    pages.append(("会议详情", reverse("meetings:detail", args=[meetings[branch.pk]]), 3))
                if branch.pk in people:
                    pages.append(("党员详情", reverse("members:detail", args=[people[branch.pk]]), 2))
                if branch.pk in has_dues:
                    pages.append(("党费收缴表", reverse("dues:sheet", args=[branch.pk, f"{month:%Y-%m}"]), 2))
            visitors.append(Visitor(username, pages))
        return visitors

    @transaction.atomic
    def _accounts(self, top: OrgUnit, branches: list[OrgUnit], staff_count: int) -> list[tuple[str, OrgUnit | None]]:
        """Load-test accounts (``load-s001`` secretaries, ``load-w01`` committee staff), made once."""
        users = get_user_model().objects
        wanted = [(f"load-s{i + 1:03d}", branch) for i, branch in enumerate(branches)]
        wanted += [(f"load-w{i + 1:02d}", None) for i in range(staff_count)]
        existing = set(users.filter(username__in=[name for name, _ in wanted]).values_list("username", flat=True))
        for username, branch in wanted:
            if username in existing:
                continue
            user = users.create_user(username, password=PASSWORD)
            role_grant(actor=None, user=user, unit=branch or top, kind=RoleKind.SECRETARY if branch else RoleKind.STAFF)
        return wanted

    def _wait_ready(self, port: int, server: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("gunicorn 启动失败")
            try:
                status, _ = Http(port).request("GET", reverse("login"), Visitor("-", []))
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise CommandError("gunicorn 在60秒内没有就绪")

    def _login(self, port: int, visitor: Visitor) -> None:
        client = Http(port)
        _, page = client.request("GET", reverse("login"), visitor)
        token = CSRF_INPUT.search(page)
        if token is None:
            raise CommandError("登录页没有 CSRF 令牌")
        status, _ = client.request("POST", reverse("login"), visitor, {
            "csrfmiddlewaretoken": token.group(1), "username": visitor.username, "password": PASSWORD})
        if status != 302:
            raise CommandError(f"{visitor.username} 登录失败（{status}）")

    def _flood(self, port: int, visitors: list[Visitor], stop: threading.Event, told: Counter, seed: int,
               rate: float) -> None:
        """Wrong passwords from one address (203.0.113.7) at ``rate`` a second (as fast as the
        server answers, if it cannot keep up): a new username each time, every other time a real
        user's."""
        rng, client, attacker = random.Random(seed), Http(port), Visitor("flood", [])
        next_try = time.monotonic()
        _, page = client.request("GET", reverse("login"), attacker, address=FLOOD_ADDRESS)
        token = CSRF_INPUT.search(page)
        while not stop.is_set():
            next_try += 1 / rate
            stop.wait(max(0.0, next_try - time.monotonic()))
            username = rng.choice(visitors).username if rng.random() < 0.5 else f"guess-{rng.getrandbits(40):x}"
            try:
                status, _ = client.request("POST", reverse("login"), attacker, {
                    "csrfmiddlewaretoken": token.group(1) if token else "", "username": username,
                    "password": "wrong-password"}, address=FLOOD_ADDRESS)
            except OSError:
                status, client = 0, Http(port)
            told[status] += 1

    def _report_flood(self, port: int, victim: Visitor, told: Counter, elapsed: float) -> None:
        """What the flood got, and whether the user it guessed at still signs in from elsewhere."""
        answers = "、".join(f"{status}×{count}" for status, count in sorted(told.items()))
        total = sum(told.values())
        self.stdout.write(f"失败登录洪泛（来自{FLOOD_ADDRESS}）：{total}次，约{total / elapsed:.0f}次/秒，应答 {answers}")
        fresh = Visitor(victim.username, victim.pages)
        client = Http(port)
        _, page = client.request("GET", reverse("login"), fresh, address="198.51.100.9")
        token = CSRF_INPUT.search(page)
        status, _ = client.request("POST", reverse("login"), fresh, {
            "csrfmiddlewaretoken": token.group(1) if token else "", "username": victim.username, "password": PASSWORD},
            address="198.51.100.9")
        if status != 302:
            raise CommandError(f"洪泛之后，{victim.username}从另一地址登录失败（{status}）")
        self.stdout.write(f"洪泛之后，{victim.username}从另一地址登录成功")

    def _run(self, port: int, visitors: list[Visitor], *, duration: float, limit: int,
             rate: float) -> tuple[list[Sample], float]:
        samples: list[Sample] = []
        lock, budget = threading.Lock(), [limit]
        deadline = time.monotonic() + duration
        mean_pause = len(visitors) / rate if rate else 0.0

        def user_loop(visitor: Visitor, seed: int) -> None:
            rng, client = random.Random(seed), Http(port)
            next_click = time.monotonic() + (rng.uniform(0, mean_pause) if mean_pause else 0)
            while time.monotonic() < deadline:
                if mean_pause:
                    time.sleep(max(0.0, min(next_click, deadline) - time.monotonic()))
                    if time.monotonic() >= deadline:
                        return
                    next_click = max(next_click, time.monotonic() - mean_pause) + rng.expovariate(1 / mean_pause)
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                label, url = visitor.pick(rng)
                started = time.perf_counter()
                try:
                    status, _ = client.request("GET", url, visitor)
                except OSError:
                    status = 0
                    client = Http(port)
                with lock:
                    samples.append((label, (time.perf_counter() - started) * 1000, status))

        threads = [threading.Thread(target=user_loop, args=(v, i), daemon=True) for i, v in enumerate(visitors)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return samples, time.monotonic() - started

    def _report(self, samples: list[Sample], elapsed: float, options: dict[str, Any]) -> None:
        if not samples:
            raise CommandError("没有完成任何请求")
        times = sorted(ms for _, ms, _ in samples)
        errors = [s for s in samples if s[2] != 200]
        rps = len(samples) / elapsed
        p50, p95, p99 = (times[min(len(times) - 1, int(q * len(times)))] for q in (0.5, 0.95, 0.99))
        by_page: dict[str, list[float]] = defaultdict(list)
        for label, ms, _ in samples:
            by_page[label].append(ms)
        self.stdout.write("")
        server = (f"{options['workers']}个同步进程" if options["worker_class"] == "sync"
                  else f"{options['workers']}进程×{options['threads']}线程")
        self.stdout.write(f"{options['users']}名并发用户，gunicorn {server}，{os.cpu_count()}核")
        self.stdout.write(f"请求 {len(samples)} 个，用时 {elapsed:.1f} 秒，吞吐 {rps:.0f} 请求/秒")
        self.stdout.write(f"延迟 p50 {p50:.0f} ms · p95 {p95:.0f} ms · p99 {p99:.0f} ms · 最大 {times[-1]:.0f} ms")
        self.stdout.write(f"错误 {len(errors)} 个" + (f"（{sorted({s[2] for s in errors})}）" if errors else ""))
        for label, values in sorted(by_page.items(), key=lambda item: -len(item[1])):
            values.sort()
            self.stdout.write(f"  {label:<8} {len(values):>6} 次  中位数 {statistics.median(values):>5.0f} ms  "
                              f"p95 {values[int(0.95 * (len(values) - 1))]:>5.0f} ms")
        missed = []
        if rps < options["min_rps"]:
            missed.append(f"吞吐 {rps:.0f} < {options['min_rps']:.0f} 请求/秒")
        if p95 > options["max_p95_ms"]:
            missed.append(f"p95 {p95:.0f} ms > {options['max_p95_ms']:.0f} ms")
        if errors:
            missed.append(f"{len(errors)} 个错误")
        if missed:
            raise CommandError("未达标：" + "；".join(missed))
        self.stdout.write(self.style.SUCCESS("达标"))
