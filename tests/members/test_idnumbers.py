import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members import idnumbers


def test_known_valid_number():
    info = idnumbers.parse("11010519491231002X")
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "女"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "校验位"),
        ("1101051949123100", "18位"),
        ("11010519491331002" + idnumbers.check_digit("11010519491331002"), "出生日期"),
        ("11010A19491231002X", "数字"),
        ("11010522001231002" + idnumbers.check_digit("11010522001231002"), "出生日期"),
    ],
)
def test_refused(number, reason):
    with pytest.raises(idnumbers.IdNumberError, match=reason):
        idnumbers.parse(number)


@pytest.mark.parametrize("number", ["１１０１０５１９４９１２３１００２Ｘ", "１１０１０５１９４９１２３１００２ｘ",
                                    "110105 19491231 002x"])
def test_a_number_pasted_in_full_width_or_with_a_lowercase_x_is_normalised(number):
    """As pasted from a Word document: full-width digits, ｘ or x, spaces."""
    assert idnumbers.parse(number).number == "11010519491231002X"


@pytest.mark.parametrize("number", ["11010519491231٠02X", "11010519491231००2X"])
def test_digits_that_are_not_decimal_digits_are_refused_not_crashed_on(number):
    """Arabic-Indic and Devanagari digits pass ``isdigit()`` but are no digits a number is written with."""
    with pytest.raises(idnumbers.IdNumberError):
        idnumbers.parse(number)


@given(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2008, 12, 31)), st.integers(0, 99), st.booleans())
def test_made_numbers_round_trip(birth, sequence, male):
    number = idnumbers.make("310104", birth, sequence, male)
    info = idnumbers.parse(number.lower())
    assert info.birth_date == birth
    assert info.gender == ("男" if male else "女")


@given(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2008, 12, 31)), st.integers(0, 99))
def test_any_changed_digit_is_caught(birth, sequence):
    number = idnumbers.make("440106", birth, sequence, True)
    position = sequence % 17
    changed = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1:]
    with pytest.raises(idnumbers.IdNumberError):
        idnumbers.parse(changed)


def test_masking():
    assert idnumbers.mask("11010519491231002X") == "110105********002X"
    assert idnumbers.mask_phone("13812345678") == "138****5678"
