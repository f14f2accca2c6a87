"""The amount computation against the 2008 rate table (seeded as data), with hypothesis."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dues import rates
from dues.models import RateRule, RateTable

seed = importlib.import_module("dues.migrations.0003_seed_rules")

TABLE = rates.Table(
    1, "2008", dt.date(2008, 1, 1),
    tuple(rates.Rule(c, u, r, f, lo, hi, a) for c, u, r, f, lo, hi, a, _ in seed.RULES),
)
bases = st.decimals(min_value=0, max_value=200000, places=2, allow_nan=False, allow_infinity=False)


def employed_rate(base: Decimal) -> Decimal:
    # reference reading of 党费规定 第一–四条: whole base, upper bounds inclusive
    if base <= 3000:
        return Decimal("0.005")
    if base <= 5000:
        return Decimal("0.01")
    if base <= 10000:
        return Decimal("0.015")
    return Decimal("0.02")


@pytest.mark.parametrize(("base", "expected"), [
    ("0", "0.00"), ("3000", "15.00"), ("3000.01", "30.00"), ("5000", "50.00"), ("5000.01", "75.00"),
    ("10000", "150.00"), ("10000.01", "200.00"), ("5100", "76.50"), ("4900", "49.00"), ("2999.99", "15.00"),
])
def test_employed_boundaries(base, expected):
    assert rates.compute(TABLE, "在职", Decimal(base)).amount == Decimal(expected)


@pytest.mark.parametrize(("base", "expected"), [
    ("5000", "25.00"), ("5000.01", "50.00"), ("4999.99", "25.00"), ("8000", "80.00"), ("3000", "15.00"),
])
def test_retired_boundary_is_5000(base, expected):
    assert rates.compute(TABLE, "离退休", Decimal(base)).amount == Decimal(expected)


@given(bases)
@example(Decimal("3000"))
@example(Decimal("3000.01"))
@example(Decimal("5000"))
@example(Decimal("5000.01"))
@example(Decimal("10000"))
@example(Decimal("10000.01"))
@example(Decimal("4999.50"))
def test_employed_is_whole_base_rate_rounded_half_up(base):
    result = rates.compute(TABLE, "在职", base)
    exact = base * employed_rate(base)
    assert result.rate == employed_rate(base)
    assert result.amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert result.amount.as_tuple().exponent == -2
    assert abs(result.amount - exact) <= Decimal("0.005")


@given(bases, bases)
def test_amount_never_falls_as_base_rises(a, b):
    low, high = sorted((a, b))
    for category in ("在职", "离退休"):
        assert rates.compute(TABLE, category, low).amount <= rates.compute(TABLE, category, high).amount


@given(bases)
def test_retired_rate(base):
    expected = Decimal("0.005") if base <= 5000 else Decimal("0.01")
    assert rates.compute(TABLE, "离退休", base).amount == (base * expected).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_half_up_not_bankers():
    # 11.505 and 11.515 tell half-up from banker's rounding (which gives 11.50 and 11.52)
    assert rates.compute(TABLE, "在职", Decimal("4999.50")).amount == Decimal("50.00")
    assert rates.compute(TABLE, "在职", Decimal("2345.50")).amount == Decimal("11.73")
    assert rates.compute(TABLE, "在职", Decimal("2301")).amount == Decimal("11.51")  # 11.505 → 11.51
    assert rates.compute(TABLE, "在职", Decimal("2303")).amount == Decimal("11.52")  # 11.515 → 11.52


@given(st.sampled_from(["学生", "下岗失业", "低保"]), st.one_of(st.none(), bases))
def test_flat_categories_ignore_the_base(category, base):
    assert rates.compute(TABLE, category, base).amount == Decimal("0.20")


@given(st.decimals(min_value=Decimal("0.20"), max_value=Decimal("1.00"), places=2))
def test_farmer_amount_set_per_member_within_range(amount):
    assert rates.compute(TABLE, "农民", None, amount).amount == amount


@pytest.mark.parametrize("amount", ["0.19", "1.01", "0"])
def test_farmer_amount_outside_range_is_refused(amount):
    with pytest.raises(rates.DuesRuleError):
        rates.compute(TABLE, "农民", None, Decimal(amount))


def test_farmer_default_and_hardship():
    assert rates.compute(TABLE, "农民", None).amount == Decimal("0.20")
    assert rates.compute(TABLE, "困难减免", None).amount == Decimal("0.00")
    assert rates.compute(TABLE, "困难减免", None, Decimal("0.50")).amount == Decimal("0.50")


def test_base_category_without_base_is_refused():
    with pytest.raises(rates.DuesRuleError, match="基数"):
        rates.compute(TABLE, "在职", None)


@pytest.mark.django_db
def test_seeded_table_matches_domain_rules():
    (table,) = rates.load_tables()
    assert table.effective_from == dt.date(2008, 1, 1)
    assert set(table.rules) == set(TABLE.rules)
    assert RateTable.objects.get().source.startswith("中组部")
    assert all(rule.source for rule in RateRule.objects.all())


@pytest.mark.django_db
def test_table_for_picks_table_in_force_by_month():
    new = RateTable.objects.create(name="新标准", effective_from=dt.date(2027, 1, 15), source="测试")
    RateRule.objects.create(table=new, category="在职", upper_bound=None, rate=Decimal("0.03"))
    tables = rates.load_tables()
    assert rates.table_for(dt.date(2026, 12, 1), tables).name == "2008年党费收缴标准"
    assert rates.table_for(dt.date(2027, 1, 1), tables).name == "新标准"  # mid-month start covers the month
    with pytest.raises(rates.DuesRuleError):
        rates.table_for(dt.date(2007, 12, 1), tables)


def test_rounding_quantum_is_a_setting(settings):
    settings.MONEY_QUANTUM = "0.1"
    assert rates.compute(TABLE, "在职", Decimal("2301")).amount == Decimal("11.5")
    settings.MONEY_QUANTUM = "1"
    assert rates.compute(TABLE, "在职", Decimal("5100")).amount == Decimal("77")


@pytest.mark.django_db
def test_admin_edits_rule_tables(admin_user, client):
    client.force_login(admin_user)
    for name in ("ratetable", "pointsscheme", "duesbase", "payment", "duesdue", "pointssheet", "remittance"):
        assert client.get(f"/admin/dues/{name}/").status_code == 200, name
    table = RateTable.objects.get()
    assert client.get(f"/admin/dues/ratetable/{table.pk}/change/").status_code == 200
    assert client.get("/admin/dues/payment/add/").status_code == 403  # the ledger is kept through the portal


@pytest.mark.parametrize(("value", "reason"), [
    ("NaN", "应为数字"), ("Infinity", "应为数字"), ("1E30", "超过单笔上限"), ("-1E30", "必须大于0"),
    ("-0.01", "必须大于0"), ("0", "必须大于0"), ("abc", "不是数字"),
])
def test_checked_money_refuses_what_a_branch_cannot_hold_with_a_reason(value, reason):
    """Found by the form fuzzer: -1E30 passed the upper bound and overflowed when rounded."""
    from django.core.exceptions import ValidationError

    from dues.rates import checked_money

    with pytest.raises(ValidationError, match=reason):
        checked_money(value, maximum=Decimal("1000000"))
