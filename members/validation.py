"""Rules a person's record must satisfy, shared by the forms, the services and the importer.

Each check returns ``(field, message)`` pairs so a form can put the message under its field and
the importer under its column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from branches.periods import add_months

from . import idnumbers
from .models import Status

# Lifecycle dates in the order they must occur, with the status each one belongs to.
LIFECYCLE_DATES: list[tuple[str, str, str]] = [
    ("applied_on", "申请入党日期", Status.APPLICANT),
    ("activist_on", "确定积极分子日期", Status.ACTIVIST),
    ("candidate_on", "确定发展对象日期", Status.CANDIDATE),
    ("probationary_on", "接收预备党员日期", Status.PROBATIONARY),
    ("full_on", "转正日期", Status.FULL),
]
STATUS_ORDER = [Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE, Status.PROBATIONARY, Status.FULL]
MIN_APPLICATION_AGE = 18
EARLIEST_BIRTH = dt.date(1900, 1, 1)
EARLIEST_EVENT = dt.date(1921, 7, 1)  # no party step predates the Party
# A mobile number (+86 optional), or a landline with its area code and an optional extension.
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:(?:-|转)\d{1,6})?$")


def normalise_phone(phone: str) -> str:
    """Full-width digits as plain ones; spaces and brackets around an area code dropped."""
    return re.sub(r"[\s()]", "", unicodedata.normalize("NFKC", phone or ""))


def phone_error(phone: str) -> str | None:
    """Why ``phone`` is not a Chinese mobile or landline number (None when it is, or is empty)."""
    text = normalise_phone(phone)
    if not text:
        return None
    if _MOBILE.match(text.replace("-", "")) or _LANDLINE.match(text):
        return None
    return f"联系电话“{phone.strip()[:30]}”格式不正确：应为11位手机号码或带区号的固定电话（如010-12345678）"


def person_errors(data: dict[str, Any], *, today: dt.date) -> list[tuple[str, str]]:
    """Check identity number, birth date/gender agreement, lifecycle dates and status."""
    errors: list[tuple[str, str]] = []
    info = None
    try:
        info = idnumbers.parse(data.get("id_number") or "")
    except idnumbers.IdNumberError as exc:
        errors.append(("id_number", str(exc)))
    birth = data.get("birth_date")
    if info:
        if birth and birth != info.birth_date:
            errors.append(("birth_date", f"出生日期{birth:%Y-%m-%d}与公民身份号码中的{info.birth_date:%Y-%m-%d}不一致"))
        gender = data.get("gender")
        if gender and gender != info.gender:
            errors.append(("gender", f"性别“{gender}”与公民身份号码（{info.gender}）不一致"))
        birth = birth or info.birth_date
    status = data.get("status")
    rank = STATUS_ORDER.index(status) if status in STATUS_ORDER else None
    previous: tuple[str, dt.date] | None = None
    for field, label, field_status in LIFECYCLE_DATES:
        value = data.get(field)
        if value is None:
            continue
        if value > today:
            errors.append((field, f"{label}{value:%Y-%m-%d}晚于今天"))
        if previous and value < previous[1]:
            errors.append((field, f"{label}{value:%Y-%m-%d}早于{previous[0]}{previous[1]:%Y-%m-%d}"))
        previous = (label, value)
        if rank is not None and STATUS_ORDER.index(field_status) > rank:
            errors.append((field, f"人员类别为{Status(status).label}，不应填写{label}"))
    if birth and not EARLIEST_BIRTH <= birth <= today:
        errors.append(("birth_date", f"出生日期{birth:%Y-%m-%d}不合理（应在{EARLIEST_BIRTH.year}年至今天之间）"))
        birth = None
    for field, label, _ in LIFECYCLE_DATES:
        value = data.get(field)
        if value is not None and value < EARLIEST_EVENT:
            errors.append((field, f"{label}{value:%Y-%m-%d}早于{EARLIEST_EVENT.year}年，请核对"))
    if problem := phone_error(data.get("phone") or ""):
        errors.append(("phone", problem))
    applied = data.get("applied_on")
    if applied and birth and add_months(birth, MIN_APPLICATION_AGE * 12) > applied:
        errors.append(("applied_on", f"申请入党时未满{MIN_APPLICATION_AGE}周岁"))
    if status == Status.PROBATIONARY and not data.get("probationary_on"):
        errors.append(("probationary_on", "预备党员须填写接收预备党员日期"))
    return errors
