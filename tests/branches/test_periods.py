import datetime as dt

import pytest
from django.core.exceptions import BadRequest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from branches.periods import (
    Period,
    PeriodError,
    add_months,
    chinese_date,
    local_day,
    period_from,
    period_param,
    short_date,
)
from tests.factories import make_user


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年"),
        ("2026H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), "2026年上半年"),
        ("2026H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31), "2026年下半年"),
        ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026年第一季度"),
        ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "2026年第三季度"),
        ("2028-02", dt.date(2028, 2, 1), dt.date(2028, 2, 29), "2028年2月"),
        ("2026-7", dt.date(2026, 7, 1), dt.date(2026, 7, 31), "2026年7月"),
    ],
)
def test_parse(text, start, end, label):
    period = Period.parse(text)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert Period.parse(str(period)) == period


@pytest.mark.parametrize("text", ["", "26", "2026Q5", "2026H3", "2026-13", "2026-00", "Q3 2026", "abc"])
def test_parse_refuses(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_subperiods_and_neighbours():
    year = Period.parse("2026")
    assert [str(p) for p in year.subperiods("quarter")] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert [str(p) for p in Period.parse("2026Q3").months()] == ["2026-07", "2026-08", "2026-09"]
    assert str(Period.parse("2026Q4").next()) == "2027Q1"
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    with pytest.raises(PeriodError):
        Period.parse("2026-03").subperiods("quarter")


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(["year", "half", "quarter", "month"]))
def test_containing_contains_the_day(day, kind):
    period = Period.containing(day, kind)
    assert day in period
    assert period.start <= day <= period.end
    assert period.next().start == period.end + dt.timedelta(days=1)


def test_add_months_clamps_and_chinese_date():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert add_months(dt.date(2026, 3, 15), -3) == dt.date(2025, 12, 15)
    assert chinese_date(dt.date(2026, 7, 5)) == "2026年7月5日"


@pytest.mark.parametrize(("text", "short"), [("2026", "2026年"), ("2026H2", "下半年"), ("2026Q1", "第一季度"),
                                            ("2026-07", "7月")])
def test_short_label_is_the_label_inside_its_year(text, short):
    assert Period.parse(text).short_label == short


BEIJING_EARLY = dt.datetime(2026, 12, 4, 21, 3, tzinfo=dt.UTC)  # 05:03 on 5 December in Beijing


def test_local_day_is_the_day_in_beijing_not_in_utc():
    assert BEIJING_EARLY.date() == dt.date(2026, 12, 4)  # what the Word 更正记录 used to print
    assert local_day(BEIJING_EARLY) == dt.date(2026, 12, 5)
    assert local_day(dt.date(2026, 12, 4)) == dt.date(2026, 12, 4)


def test_short_date_shows_the_year_only_outside_the_current_year():
    on = dt.date(2026, 12, 5)
    assert short_date(dt.date(2026, 9, 20), on=on) == "9月20日"
    assert short_date(dt.date(2025, 9, 20), on=on) == "2025年9月20日"
    assert short_date(dt.date(2027, 1, 3), on=on) == "2027年1月3日"
    assert short_date(BEIJING_EARLY, on=on) == "12月5日"


@pytest.mark.clock("2027-01-02")
def test_short_date_reads_the_current_year_from_the_clock():
    assert short_date(dt.date(2027, 1, 1)) == "1月1日"
    assert short_date(dt.date(2026, 12, 31)) == "2026年12月31日"


class TestPeriodFromARequest:
    """The one way a view reads a period: a bad one is a 400 with the reason, never a fallback."""

    def test_default_when_none_given_and_the_period_when_one_is(self, rf):
        default = Period(2026, "quarter", 4)
        assert period_param(rf.get("/"), default=default) == default
        assert period_param(rf.get("/", {"period": "2026Q3"}), default=default) == Period(2026, "quarter", 3)

    def test_a_bad_or_wrong_kind_of_period_is_refused_with_the_reason(self, rf):
        with pytest.raises(BadRequest, match="无法识别的期间“2026Q5”"):
            period_param(rf.get("/", {"period": "2026Q5"}), default=Period(2026, "year"))
        with pytest.raises(BadRequest, match="此处的期间应为季度，“2026”是年度"):
            period_from("2026", kinds=("quarter",))
        with pytest.raises(BadRequest, match="请选择期间"):
            period_from("")


@pytest.mark.django_db
def test_a_bad_period_in_an_address_is_a_400_page_that_says_why(client_for, tree):
    client = client_for(make_user(tree["branch_a"]))
    response = client.get(reverse("meetings:calendar"), {"period": "2026-13"})
    assert response.status_code == 400
    assert "无法识别的期间“2026-13”" in response.content.decode()
