"""The one period value type used by compliance, ledgers, scorecards, reports and the CLI.

Parses ``2026`` (year), ``2026H1``/``2026H2`` (half), ``2026Q1``…``2026Q4`` (quarter) and
``2026-07`` (month).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import BadRequest
from django.utils import timezone

PeriodKind = Literal["year", "half", "quarter", "month"]
_MONTHS_PER = {"year": 12, "half": 6, "quarter": 3, "month": 1}
_PATTERNS = [
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})[Hh]([12])$"), "half"),
    (re.compile(r"^(\d{4})[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
]
_QUARTER_NAMES = "一二三四"
KIND_NAMES = {"year": "年度", "half": "半年", "quarter": "季度", "month": "月份"}


class PeriodError(ValueError):
    """Raised for text that is not a period."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: PeriodKind
    index: int = 1  # 1-based: half 1–2, quarter 1–4, month 1–12; always 1 for a year

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip()
        for pattern, kind in _PATTERNS:
            match = pattern.match(text)
            if match:
                year = int(match.group(1))
                index = int(match.group(2)) if kind != "year" else 1
                if kind == "month" and not 1 <= index <= 12:
                    break
                if not 1900 <= year <= 2999:
                    break
                return cls(year, kind, index)
        raise PeriodError(f"无法识别的期间“{text}”：应为 2026、2026H1、2026Q3 或 2026-07")

    @classmethod
    def containing(cls, day: dt.date, kind: PeriodKind) -> Period:
        months = _MONTHS_PER[kind]
        return cls(day.year, kind, (day.month - 1) // months + 1)

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        return cls(day.year, "month", day.month)

    @property
    def start(self) -> dt.date:
        first_month = (self.index - 1) * _MONTHS_PER[self.kind] + 1
        return dt.date(self.year, first_month, 1)

    @property
    def end(self) -> dt.date:
        """Last day, inclusive."""
        last_month = self.index * _MONTHS_PER[self.kind]
        return dt.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        if self.kind == "year":
            return f"{self.year}"
        if self.kind == "half":
            return f"{self.year}H{self.index}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    @property
    def label(self) -> str:
        """Chinese label: 2026年、2026年上半年、2026年第三季度、2026年7月."""
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.index == 1 else '下'}半年"
        if self.kind == "quarter":
            return f"{self.year}年第{_QUARTER_NAMES[self.index - 1]}季度"
        return f"{self.year}年{self.index}月"

    @property
    def short_label(self) -> str:
        """The label inside its year, where the year is already said: 第三季度、上半年、7月 (a year: 2026年)."""
        return self.label.removeprefix(f"{self.year}年") or self.label

    def subperiods(self, kind: PeriodKind) -> list[Period]:
        """The periods of ``kind`` inside this one (months of a quarter, quarters of a year…)."""
        if _MONTHS_PER[kind] > _MONTHS_PER[self.kind]:
            raise PeriodError(f"{self} 不能拆分为更长的期间")
        step = _MONTHS_PER[kind]
        first = self.start.month
        return [
            Period(self.year, kind, (month - 1) // step + 1)
            for month in range(first, self.end.month + 1, step)
        ]

    def months(self) -> list[Period]:
        return self.subperiods("month")

    def days(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += dt.timedelta(days=1)

    def next(self) -> Period:
        count = 12 // _MONTHS_PER[self.kind]
        if self.index < count:
            return Period(self.year, self.kind, self.index + 1)
        return Period(self.year + 1, self.kind, 1)

    def previous(self) -> Period:
        if self.index > 1:
            return Period(self.year, self.kind, self.index - 1)
        return Period(self.year - 1, self.kind, 12 // _MONTHS_PER[self.kind])


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's end (1月31日 + 1个月 = 2月28日)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def chinese_date(day: dt.date) -> str:
    """公文 style date without zero padding: 2026年7月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def local_day(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day of ``value`` in the portal's zone (Asia/Shanghai). A stored datetime is
    UTC: its ``.date()`` is the day before for anything done before 8:00 in the morning."""
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def short_date(value: dt.date | dt.datetime, *, on: dt.date | None = None) -> str:
    """A day as people read it on a page: 9月20日 in the current year (of ``on``, today by
    default), 2025年9月20日 otherwise."""
    day, current = local_day(value), on or timezone.localdate()
    return f"{day.month}月{day.day}日" if day.year == current.year else chinese_date(day)


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from ``earlier``'s month to ``later``'s month."""
    return month_index(later) - month_index(earlier)


def period_from(text: str, *, default: Period | None = None, kinds: tuple[PeriodKind, ...] = ()) -> Period:
    """The period a person chose (a link, a form, an address): ``default`` when none was given.
    A period that cannot be read, or not of one of ``kinds``, is refused with a 400 page that says
    why in Chinese: never a silent fallback, never a 404."""
    text = (text or "").strip()
    if not text:
        if default is None:
            raise BadRequest("请选择期间（如 2026、2026H1、2026Q3 或 2026-07）。")
        return default
    try:
        period = Period.parse(text)
    except PeriodError as exc:
        raise BadRequest(f"{exc}。") from exc
    if kinds and period.kind not in kinds:
        raise BadRequest(f"此处的期间应为{'或'.join(KIND_NAMES[k] for k in kinds)}，“{text}”是{KIND_NAMES[period.kind]}。")
    return period


def period_param(request: Any, *, default: Period | None = None, kinds: tuple[PeriodKind, ...] = (),
                 name: str = "period") -> Period:
    """:func:`period_from` for the request's ``?period=``: the one way a view reads the period it
    shows."""
    return period_from(request.GET.get(name, ""), default=default, kinds=kinds)
