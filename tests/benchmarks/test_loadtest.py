"""The load test's verdict: throughput, p95 and errors decide it (the run itself needs gunicorn
and the large demo: ``make load``)."""

import random
import threading
import types

import pytest
from django.core.management.base import CommandError

from benchmarks.management.commands import loadtest
from benchmarks.management.commands.loadtest import Command, Visitor

TARGETS = {"users": 50, "workers": 2, "threads": 1, "worker_class": "gthread", "min_rps": 100, "max_p95_ms": 500}


def run(samples, elapsed):
    command = Command()
    command._report(samples, elapsed, TARGETS)
    return command


def test_passes_when_fast_enough_without_errors(capsys):
    samples = [("首页", 40.0 + i % 100, 200) for i in range(2000)]
    run(samples, elapsed=10.0)  # 200 requests/s, p95 ≈ 135 ms


@pytest.mark.parametrize("samples, elapsed, reason", [
    ([("首页", 40.0, 200)] * 500, 10.0, "吞吐 50 < 100"),
    ([("首页", 40.0, 200)] * 1800 + [("首页", 900.0, 200)] * 200, 10.0, "p95 900 ms > 500 ms"),
    ([("首页", 40.0, 200)] * 1999 + [("首页", 40.0, 500)], 10.0, "1 个错误"),
])
def test_fails_with_the_reason(samples, elapsed, reason):
    with pytest.raises(CommandError, match=reason):
        run(samples, elapsed)


def test_visitors_pick_pages_by_weight():
    visitor = Visitor("u", [("首页", "/", 9), ("名册", "/members/", 1)])
    rng = random.Random(1)
    picks = [visitor.pick(rng)[0] for _ in range(2000)]
    assert 0.85 < picks.count("首页") / len(picks) < 0.95


class InstantHttp:
    """A server that answers at once, to test the pacing alone."""

    def __init__(self, port):
        pass

    def request(self, method, url, visitor, body=None):
        return 200, ""


class VirtualTime:
    """The load test's clock for its threads, in virtual seconds: ``sleep`` returns once every
    other thread is asleep too (or done) and the clock has moved on to its wake time. The
    pacing is then what the code says, whatever else the machine is doing."""

    def __init__(self):
        self.now = 0.0
        self.cond = threading.Condition()
        self.active = 1  # the thread running the load test, until it waits for its users
        self.runner, self.joining = threading.current_thread(), False
        self.wakes: list[float] = []

    def monotonic(self) -> float:
        return self.now

    perf_counter = monotonic

    def sleep(self, seconds: float) -> None:
        with self.cond:
            wake = self.now + max(0.0, seconds)
            self.wakes.append(wake)
            self._idle()
            while self.now < wake:
                self.cond.wait()

    def _idle(self) -> None:  # a thread stopped running: when none runs, move on to the next wake
        self.active -= 1
        if self.active == 0 and self.wakes:
            self.now = max(self.now, min(self.wakes))
            woken = [w for w in self.wakes if w <= self.now]
            self.wakes = [w for w in self.wakes if w > self.now]
            self.active += len(woken)
            self.cond.notify_all()

    def thread_class(self):
        clock = self

        class Thread(threading.Thread):
            def start(self):
                with clock.cond:
                    clock.active += 1
                super().start()

            def run(self):
                try:
                    super().run()
                finally:
                    with clock.cond:
                        clock._idle()

            def join(self, timeout=None):
                with clock.cond:
                    if threading.current_thread() is clock.runner and not clock.joining:
                        clock.joining = True
                        clock._idle()
                super().join(timeout)

        return Thread


@pytest.fixture
def virtual_time(monkeypatch):

    clock = VirtualTime()
    monkeypatch.setattr(loadtest, "Http", InstantHttp)
    monkeypatch.setattr(loadtest, "time", clock)
    monkeypatch.setattr(loadtest, "threading", types.SimpleNamespace(Lock=threading.Lock, Thread=clock.thread_class()))
    return clock


@pytest.mark.parametrize("rate", [100, 300])
def test_users_together_offer_the_rate(virtual_time, rate):
    visitors = [Visitor(f"u{i}", [("首页", "/", 1)]) for i in range(20)]
    samples, elapsed = Command()._run(0, visitors, duration=3.0, limit=100_000, rate=rate)
    assert elapsed == 3.0
    assert 0.9 * rate < len(samples) / elapsed < 1.1 * rate


def test_without_pauses_users_click_continuously(virtual_time):
    visitors = [Visitor(f"u{i}", [("首页", "/", 1)]) for i in range(5)]
    samples, _ = Command()._run(0, visitors, duration=5.0, limit=3000, rate=0)
    assert len(samples) == 3000
