"""The pages' template engine: Jinja2, read as Django's template language reads a page.

The pages were written for Django's engine, which renders a page several times slower: at
committee scale most of a request's Python was spent there (``make load``). Jinja2 compiles a
template to Python, and this environment keeps what a page author relies on:

- ``a.b`` looks up a dictionary key before an attribute (``row.items`` is a row's "items"), then
  an index; a method is called (``page.has_next``) unless it alters data or asks not to be;
- ``{{ value }}`` shows dates and numbers localised, in the local time zone;
- a missing variable, an attribute of one, or a related object that does not exist shows nothing,
  and a filter given one sees "";
- a comparison that cannot be made (``None < 1``) is false;
- the filters keep Django's names and meanings (``default`` replaces any false value, ``date``
  formats in the local time zone), and ``url``, ``static``, ``csrf_input`` and the portal's own
  helpers are functions.

Forms are still drawn by crispy-forms with Django's engine (``|crispy``, ``|as_crispy_field``).
Rendering sends ``template_rendered`` as Django's engine does, so the test client sees each page's
context.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jinja2
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django.conf import settings
from django.core.signals import setting_changed
from django.middleware.csrf import get_token
from django.template import defaultfilters
from django.template.backends.jinja2 import Jinja2, Template
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.utils import dateformat
from django.utils.formats import FORMAT_SETTINGS, localize
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.timezone import template_localtime
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame

from branches.links import fast_reverse
from branches.markup import unit_options
from dues.markup import rate
from meetings.markup import status_badge

_LOCALISED = (dt.date, dt.time, Decimal, float)  # and int, with thousands separators
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gteq": operator.ge, "lt": operator.lt,
    "lteq": operator.le, "in": lambda a, b: a in b, "notin": lambda a, b: a not in b,
}


class _Compiler(CodeGenerator):
    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:  # noqa: N802 (Jinja2's name)
        """``a < b`` compiles to ``environment.compare("lt", a, b)``."""
        if len(node.ops) != 1:  # a < b < c: Python's rules (Django's engine has no such form)
            super().visit_Compare(node, frame)
            return
        self.write(f"environment.compare({node.ops[0].op!r}, ")
        self.visit(node.expr, frame)
        self.write(", ")
        self.visit(node.ops[0].expr, frame)
        self.write(")")


class Environment(jinja2.Environment):
    code_generator_class = _Compiler

    def compare(self, op: str, left: Any, right: Any) -> bool:
        try:
            return _COMPARISONS[op](left, right)
        except Exception:  # as Django's {% if %}: a comparison that fails is false
            return False

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict):
            try:
                value = obj[attribute]
            except KeyError:
                value = self._attribute(obj, attribute)
        else:
            value = self._attribute(obj, attribute)
        if callable(value) and not isinstance(value, jinja2.Undefined):
            if getattr(value, "alters_data", False):
                return self.undefined(obj=obj, name=attribute)
            if not getattr(value, "do_not_call_in_templates", False):
                try:
                    return value()
                except Exception as exc:
                    if getattr(exc, "silent_variable_failure", False):  # ObjectDoesNotExist: shows nothing
                        return self.undefined(obj=obj, name=attribute)
                    if not isinstance(exc, TypeError):
                        raise
                    try:
                        inspect.signature(value).bind()
                    except (TypeError, ValueError):  # it takes arguments: the template calls it
                        return value
                    raise  # raised inside the method
        return value

    def _attribute(self, obj: Any, attribute: str) -> Any:
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        except Exception as exc:  # a related object that does not exist, say
            if getattr(exc, "silent_variable_failure", False):
                return self.undefined(obj=obj, name=attribute)
            raise
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


def finalize(value: Any) -> Any:
    """What Django's engine does to a ``{{ value }}`` before it is escaped."""
    kind = type(value)
    if kind is str or kind is bool:
        return value
    if kind is int:
        return localize(value) if settings.USE_THOUSAND_SEPARATOR else value
    if isinstance(value, _LOCALISED):
        return localize(template_localtime(value))
    return value


def _date(value: Any, arg: str | None = None) -> str:
    if arg and arg not in FORMAT_SETTINGS and isinstance(value, dt.date):
        # what Django's filter does with a format of its own, without looking the format up
        # in every locale module first (a page shows dozens of dates)
        return dateformat.format(template_localtime(value), arg)
    return defaultfilters.date(template_localtime(value), arg)


def _time(value: Any, arg: str | None = None) -> str:
    if arg and arg not in FORMAT_SETTINGS and isinstance(value, (dt.time, dt.datetime)):
        return dateformat.time_format(template_localtime(value), arg)
    return defaultfilters.time(template_localtime(value), arg)


def _url(name: str, *args: Any, **kwargs: Any) -> str:
    return fast_reverse(name, args, kwargs or None)


def _join(value: Any, arg: str) -> str:
    return defaultfilters.join(value, arg, autoescape=True)


def _linebreaksbr(value: Any) -> str:
    return defaultfilters.linebreaksbr(value, autoescape=True)


def _as_in_django(function: Callable[..., Any]) -> Callable[..., Any]:
    """Django's engine hands a filter "" for a missing value; Jinja2 would hand it Undefined."""

    @functools.wraps(function)
    def filter_(value: Any, *args: Any) -> Any:
        return function("" if isinstance(value, jinja2.Undefined) else value, *args)

    return filter_


@functools.cache
def _static(path: str) -> str:
    """``static()``: a file's address does not change while the process runs (the manifest of
    hashed names is read once), and a page asks for six of them."""
    return static(path)


def _forget_static(*, setting: str, **kwargs: Any) -> None:
    if setting in ("STORAGES", "STATIC_URL", "STATIC_ROOT", "DEBUG"):
        _static.cache_clear()


setting_changed.connect(_forget_static)


def csrf_once(request: Any) -> dict[str, Any]:
    """Context processor: ``csrf_token`` and ``csrf_input`` masked once per page. Django's own
    mask the token again (32 system-random characters) each time a page shows one, and every
    page shows it three times; it is still only read when a page shows it."""
    token = SimpleLazyObject(lambda: get_token(request))
    return {"csrf_token": token, "csrf_input": SimpleLazyObject(lambda: format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token))}


def environment(**options: Any) -> Environment:
    options["undefined"] = jinja2.ChainableUndefined
    env = Environment(finalize=finalize, **options)
    env.globals.update({"url": _url, "static": _static, "unit_options": unit_options, "rate": rate,
                        "status_badge": status_badge})
    env.filters.update({name: _as_in_django(function) for name, function in {
        "add": defaultfilters.add, "date": _date, "default": defaultfilters.default,
        "default_if_none": defaultfilters.default_if_none, "filesizeformat": defaultfilters.filesizeformat,
        "floatformat": defaultfilters.floatformat, "join": _join, "json_script": defaultfilters.json_script,
        "length": defaultfilters.length, "linebreaksbr": _linebreaksbr, "slice": defaultfilters.slice_filter,
        "stringformat": defaultfilters.stringformat, "time": _time, "truncatechars": defaultfilters.truncatechars,
        "crispy": as_crispy_form, "as_crispy_field": as_crispy_field,
    }.items()})
    return env


class PageTemplate(Template):
    def __init__(self, template: jinja2.Template, backend: Jinja2):
        super().__init__(template, backend)
        self.name = template.name

    def render(self, context: dict[str, Any] | None = None, request: Any = None) -> str:
        context = {} if context is None else context
        html = super().render(context, request)
        template_rendered.send(sender=self, template=self, context=context)
        return html


class Pages(Jinja2):
    """Django's Jinja2 backend, telling the test client what it rendered."""

    def from_string(self, template_code: str) -> PageTemplate:
        return PageTemplate(self.env.from_string(template_code), self)

    def get_template(self, template_name: str) -> PageTemplate:
        template = super().get_template(template_name)
        return PageTemplate(template.template, self)
