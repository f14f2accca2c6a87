"""The pages' Jinja2 environment, for Django's own backend (``settings.TEMPLATES``).

Plain Jinja2: templates follow Jinja2's documentation (methods are called with ``()``, a missing
value shows nothing, ``default(x, true)`` replaces any false value). Django's backend puts
``request``, ``csrf_input`` and ``csrf_token`` in every page's context; this adds ``url()`` (Django's
``reverse``), ``static()``, the portal's own helpers, and the Django filters the pages use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import jinja2
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django.conf import settings
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils.formats import localize
from django.utils.timezone import template_localtime

from branches.markup import unit_options
from branches.periods import Period, short_date
from dues.markup import rate
from meetings.markup import status_badge


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """``{{ url('members:detail', person.pk) }}``"""
    return reverse(name, args=args, kwargs=kwargs)


def date(value: Any, arg: str | None = None) -> str:
    """Django's ``date`` filter, in the local time zone as in Django's engine; nothing for no date."""
    return defaultfilters.date(template_localtime(value), arg) if value else ""


def day(value: Any) -> str:
    """A day as people read it: 9月20日 in the current year, 2025年9月20日 otherwise (local time
    zone); nothing for no date."""
    return short_date(value) if value else ""


def period_label(value: Period | str) -> str:
    """A period as people read it (2026年第一季度) from a ``Period`` or its code as stored (2026Q1);
    text that is no period shows as it is."""
    if isinstance(value, Period):
        return value.label
    try:
        return Period.parse(str(value)).label
    except ValueError:
        return str(value or "")


def time(value: Any, arg: str | None = None) -> str:
    return defaultfilters.time(template_localtime(value), arg) if value else ""


def finalize(value: Any) -> Any:
    """``{{ value }}`` shows dates, times and numbers localised, in the local time zone, as Django's engine does."""
    if isinstance(value, (dt.date, dt.time, Decimal, float)):
        return localize(template_localtime(value))
    if type(value) is int and settings.USE_THOUSAND_SEPARATOR:
        return localize(value)
    return value


def environment(**options: Any) -> jinja2.Environment:
    options["undefined"] = jinja2.ChainableUndefined  # missing.attribute shows nothing, in DEBUG too
    env = jinja2.Environment(finalize=finalize, **options)
    env.globals.update(url=url, static=static, unit_options=unit_options, rate=rate, status_badge=status_badge)
    env.filters.update({
        "date": date, "day": day, "period_label": period_label, "time": time, "default_if_none": defaultfilters.default_if_none,
        "filesizeformat": defaultfilters.filesizeformat,  # Django's ("2.0 KB"), in place of Jinja2's
        "floatformat": defaultfilters.floatformat, "json_script": defaultfilters.json_script,
        "linebreaksbr": defaultfilters.linebreaksbr, "truncatechars": defaultfilters.truncatechars,
        "crispy": as_crispy_form, "as_crispy_field": as_crispy_field,
    })
    return env
