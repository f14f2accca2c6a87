"""公民身份号码 (GB 11643-1999): check digit, birth date, gender, masking."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.utils import timezone

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class IdNumberError(ValueError):
    """The number is not a valid 公民身份号码; the message says why, in Chinese."""


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    gender: str  # 男 / 女


def check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise(number: str) -> str:
    """As typed or pasted from a Word document: full-width digits and ｘ, a lowercase x, spaces."""
    return unicodedata.normalize("NFKC", number or "").strip().upper().replace(" ", "")


def parse(number: str) -> IdInfo:
    """Validate and decode an 18-character number, or raise :class:`IdNumberError`."""
    number = normalise(number)
    if len(number) != 18:
        raise IdNumberError(f"公民身份号码应为18位，实际为{len(number)}位")
    if not (number.isascii() and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise IdNumberError("公民身份号码只能由数字组成，最后一位可以是X")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"公民身份号码校验位错误（应为{expected}）")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError(f"公民身份号码中的出生日期{number[6:14]}不存在") from exc
    if birth.year < 1900 or birth > timezone.localdate():
        raise IdNumberError(f"公民身份号码中的出生日期{number[6:14]}不合理")
    gender = "男" if int(number[16]) % 2 == 1 else "女"
    return IdInfo(number, birth, gender)


def mask(number: str) -> str:
    """``110101********1234``: region visible, birth date hidden, last four visible."""
    if not number or len(number) < 10:
        return "*" * len(number or "")
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    phone = phone or ""
    if len(phone) < 7:
        return phone and "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def make(region: str, birth: dt.date, sequence: int, male: bool) -> str:
    """Build a valid number (demo data and tests). ``sequence`` 0–99 fills digits 15–16."""
    gender_digit = (sequence * 2 + (1 if male else 0)) % 10
    first17 = f"{region}{birth:%Y%m%d}{sequence % 100:02d}{gender_digit}"
    return first17 + check_digit(first17)
