"""``|date`` as Django's, without its cost for a plain date in a numeric format.

Registered as a template builtin (``config/settings/base.py``) like ``{% url %}``: Django's filter
re-reads the locale's formats and walks the format character by character on every call (about
25 µs); the ledgers and rosters show a date on every row. A format made only of ``Y m d n j``
and literal text (``Y-m-d``, ``n月j日``) is turned once into a ``str.format`` template giving the
same digits; anything else (another format character, a datetime, an empty value) goes through
Django's filter.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django import template
from django.template import defaultfilters

register = template.Library()

# Django's format characters (django.utils.dateformat) that print a date's numbers
_NUMBERS = {"Y": "{0.year:04d}", "m": "{0.month:02d}", "d": "{0.day:02d}", "n": "{0.month}", "j": "{0.day}"}


@lru_cache(maxsize=128)
def _template(format_string: str) -> str | None:
    """``format_string`` as a ``str.format`` template, or None when it needs Django's formatter
    (every other ASCII letter may be a format character, a backslash escapes one)."""
    pieces = []
    for char in format_string:
        if char in _NUMBERS:
            pieces.append(_NUMBERS[char])
        elif char.isascii() and (char.isalpha() or char == "\\"):
            return None
        else:
            pieces.append(char.replace("{", "{{").replace("}", "}}"))
    return "".join(pieces)


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    if arg and type(value) is dt.date:
        compiled = _template(arg)
        if compiled is not None:
            return compiled.format(value)
    return defaultfilters.date(value, arg)
