"""Bounds and formats on a person's record (members.validation), for forms and imports alike."""

import datetime as dt

import pytest

from members import idnumbers
from members.validation import normalise_phone, person_errors, phone_error

TODAY = dt.date(2026, 12, 5)
NUMBER = idnumbers.make("110105", dt.date(1980, 5, 1), 12, True)


@pytest.mark.parametrize("phone", ["13812345678", "+86 138 1234 5678", "１３８１２３４５６７８", "010-12345678",
                                   "(010)12345678", "0755-1234567", "010-12345678-123", ""])
def test_chinese_mobile_and_landline_numbers_are_accepted(phone):
    assert phone_error(phone) is None


@pytest.mark.parametrize("phone", ["abc", "12345", "138123456789", "\x07\x1b", "23812345678", "010-123"])
def test_anything_else_is_refused_with_the_reason(phone):
    assert "格式不正确" in phone_error(phone)


def test_a_phone_is_stored_without_spaces_in_ascii_digits():
    assert normalise_phone(" １３８ １２３４ ５６７８ ") == "13812345678"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("birth_date", dt.date(9999, 12, 31), "出生日期9999-12-31不合理"),
    ("birth_date", dt.date(1899, 12, 31), "不合理"),
    ("applied_on", dt.date(1900, 1, 1), "早于1921年"),
])
def test_dates_outside_reasonable_bounds_are_refused_not_crashed_on(field, value, message):
    data = {"id_number": NUMBER, "status": "applicant", "applied_on": dt.date(2026, 1, 1), field: value}
    errors = [text for name, text in person_errors(data, today=TODAY) if name == field]
    assert any(message in text for text in errors), errors
