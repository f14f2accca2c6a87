"""Two people at once, for real: each "person" is a thread with its own PostgreSQL connection
(Django's connections are per thread). Used by the ``postgres``-marked concurrency tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, connections


class Session(threading.Thread):
    """Run ``work`` in a thread of its own; keep its result or the exception it raised."""

    def __init__(self, work: Callable[[], Any]):
        super().__init__(daemon=True)
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()  # the test database is dropped at the end of the session

    def finish(self, seconds: float = 20) -> Session:
        self.join(seconds)
        assert not self.is_alive(), "a session did not finish"
        return self


def wait_for_lock_wait(seconds: float = 10) -> None:
    """Block until another connection to this database is waiting for a row or index lock."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the second session never had to wait for the first")


def run_together(works: list[Callable[[], Any]]) -> list[Session]:
    """Start every work at the same moment (a barrier) and wait for all of them."""
    barrier = threading.Barrier(len(works))

    def at_once(work: Callable[[], Any]) -> Callable[[], Any]:
        def go() -> Any:
            connection.ensure_connection()  # connect first, so the barrier lines up the writes
            barrier.wait(10)
            return work()

        return go

    sessions = [Session(at_once(work)) for work in works]
    for session in sessions:
        session.start()
    return [session.finish() for session in sessions]
