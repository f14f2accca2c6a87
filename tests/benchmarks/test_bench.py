"""The benchmark's operations at two demo scales: query counts must not grow with the data, and
the ``bench`` command writes the JSON the README's table comes from."""

from __future__ import annotations

import gc
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from benchmarks import bench
from branches import demo

# Two scales far enough apart that an N+1 shows: 3× the branches and members, 2× the months.
TWO_SCALES = {
    "bench-a": {"branches": 3, "members": 60, "months": 6, "per_general": 0},
    "bench-b": {"branches": 9, "members": 200, "months": 12, "per_general": 3},
}
# Operations whose work is one batch however many rows there are.
CONSTANT = ["committee_dashboard", "compliance_grid_quarter", "scorecard_compute_quarter", "member_list_page",
            "meeting_detail", "dues_month_sheet", "generate_dues_month", "export_dues_year_committee",
            "work_report_committee_year"]

BUDGETS: dict[str, int] = {}  # filled from the operations themselves


@pytest.fixture(autouse=True)
def _collector_restored():
    """``bench`` freezes what is loaded, as config/wsgi.py does; the rest of the test process does not."""
    yield
    gc.unfreeze()


class _Quiet:
    def write(self, *args, **kwargs):
        pass


def _query_counts(scale: str) -> dict[str, int]:
    call_command("seed_demo", scale=scale, stdout=_Quiet())
    setting = bench.Setting()
    counts = {}
    for op in bench.operations(setting):
        if op.budget.queries is not None:
            BUDGETS[op.name] = op.budget.queries
        if op.name in CONSTANT:
            op.run()  # warm-up, as the benchmark does
            with CaptureQueriesContext(connection) as captured:
                op.run()
            # Bulk inserts go in batches (SQLite takes ~100 rows a statement): batches are not N+1.
            counts[op.name] = sum(1 for q in captured.captured_queries if not q["sql"].startswith("INSERT"))
    return counts


class _Undo(Exception):
    pass


@pytest.fixture
def scales(monkeypatch):
    for name, config in TWO_SCALES.items():
        monkeypatch.setitem(demo.SCALES, name, config)


@pytest.mark.django_db
@pytest.mark.clock("2026-06-15")  # the demo is seeded relative to today: the same data whatever the day
def test_query_counts_do_not_grow_with_the_data(scales):
    measured = {}
    for scale in TWO_SCALES:
        try:
            with transaction.atomic():
                measured[scale] = _query_counts(scale)
                raise _Undo  # the next scale starts from an empty database
        except _Undo:
            pass
    small, large = measured["bench-a"], measured["bench-b"]
    grew = {name: (small[name], large[name]) for name in CONSTANT if large[name] > small[name]}
    assert not grew, f"query counts grew with the data (small, large): {grew}"
    over = {name: large[name] for name, limit in BUDGETS.items() if large[name] > limit}
    assert not over, f"over the query budget: {over}"


@pytest.mark.django_db
def test_bench_command_writes_json_and_fails_over_budget(scales, tmp_path, monkeypatch):
    out = tmp_path / "results.json"
    pages = ["committee_dashboard", "member_list_page", "meeting_detail"]
    call_command("bench", scale="bench-a", out=str(out), runs=2, only=pages, stdout=_Quiet())
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["scale"] == "bench-a"
    assert report["counts"]["branches"] == 3
    assert [op["name"] for op in report["operations"]] == pages
    for op in report["operations"]:
        assert op["runs"] == 2 and op["queries"] > 0
        assert 0 < op["median_ms"] <= op["p95_ms"]
        assert op["queries"] <= op["budget"]["queries"]  # the time budgets are the benchmark's to judge

    # Reused, not re-seeded; and an impossible budget makes the command fail with the reason.
    original = bench.operations

    def strict(setting):
        ops = original(setting)
        for op in ops:
            op.budget = bench.Budget(queries=1)
        return ops

    monkeypatch.setattr(bench, "operations", strict)

    with pytest.raises(CommandError, match="超出预算：committee_dashboard"):
        call_command("bench", scale="bench-a", out=str(out), runs=1, only=["committee_dashboard"], stdout=_Quiet())

    # A database holding another scale is refused rather than measured under the wrong name.
    with pytest.raises(CommandError, match="不符"):
        call_command("bench", scale="bench-b", out=str(out), stdout=_Quiet())



def test_peak_memory_is_the_childs_own_not_the_benchmarks():
    """The benchmark process holds hundreds of MB by the time it measures the export; a child's
    peak must not include them."""
    ballast = bytearray(300 * 1024 * 1024)  # the parent now holds 300 MB
    ballast[::4096] = b"x" * len(ballast[::4096])
    peak = bench.peak_rss_mb(["check"])
    assert 20 < peak < 250
    del ballast
