"""The 收缴率 badge."""

from __future__ import annotations

from decimal import Decimal

from dues.markup import rate


def test_rate_is_coloured_by_how_close_it_is_to_all_paid():
    shown = {value: rate(value) for value in (None, Decimal("100.0"), Decimal("90.0"), Decimal("89.9"))}
    assert shown == {
        None: '<span class="text-muted">—</span>',
        Decimal("100.0"): '<span class="fw-semibold text-success">100.0%</span>',
        Decimal("90.0"): '<span class="fw-semibold text-body">90.0%</span>',
        Decimal("89.9"): '<span class="fw-semibold text-danger">89.9%</span>',
    }
