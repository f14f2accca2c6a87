"""The ``|date`` builtin gives what Django's ``date`` filter gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template, defaultfilters
from django.utils import timezone, translation

from branches.templatetags.dates import date

FORMATS = ["Y-m-d", "Y年n月j日", "n月j日", "Y年n月", "Y-m", "n月", "m-d", "Y年", "n/j", "l", "Y-m-d H:i", "m-d H:i",
           "jS F", "\\Y-m", "{Y}-{m}", "D, j M", "", None, "DATE_FORMAT", "SHORT_DATE_FORMAT", "x y"]
VALUES = [dt.date(2026, 1, 2), dt.date(999, 12, 31), dt.date(2025, 10, 30), dt.datetime(2026, 3, 4, 5, 6),
          timezone.now(), None, "", "2026-01-02"]


def _outcome(filter_function, value, format_string):
    try:
        return filter_function(value, format_string)
    except TypeError as exc:  # a time format for a date: Django refuses it
        return type(exc)


@pytest.mark.parametrize("format_string", FORMATS)
def test_same_as_django(format_string):
    with translation.override("zh-hans"):
        for value in VALUES:
            assert _outcome(date, value, format_string) == _outcome(defaultfilters.date, value, format_string), (
                value, format_string)


def test_the_template_filter_is_this_one():
    with translation.override("zh-hans"):
        rendered = Template('{{ day|date:"n月j日" }}|{{ day|date:"Y-m-d" }}|{{ day|date:"l" }}').render(
            Context({"day": dt.date(2026, 7, 5)}))
    assert rendered == "7月5日|2026-07-05|星期日"
