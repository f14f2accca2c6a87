"""The pages' Jinja2 environment (config/jinja.py): Django's filters and localisation, escaping,
``url()`` and ``static()``, and the CSRF values Django's backend provides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import jinja2
import pytest
from django.template import Context, Template, engines
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from branches.periods import Period
from config.jinja import environment

MOMENT = dt.datetime(2026, 11, 21, 17, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 on the 22nd in Beijing


def render(source: str, **context: object) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_values_are_shown_localised_in_the_local_time_zone():
    assert render("{{ day }}", day=dt.date(2026, 11, 22)) == "2026年11月22日"
    assert render("{{ moment|date('Y-m-d H:i') }}|{{ moment|time('H:i') }}", moment=MOMENT) == "2026-11-22 01:30|01:30"
    assert render("{{ n }}|{{ amount }}|{{ yes }}|{{ none }}", n=12345, amount=Decimal("1234.50"), yes=True,
                  none=None) == "12345|1234.50|True|None"


@pytest.mark.clock("2026-11-22")
def test_day_shows_the_year_only_for_another_year_and_the_local_day():
    assert render("{{ d|day }}|{{ e|day }}|{{ m|day }}|[{{ none|day }}]", d=dt.date(2026, 9, 20),
                  e=dt.date(2025, 9, 20), m=MOMENT, none=None) == "9月20日|2025年9月20日|11月22日|[]"


def test_period_label_reads_a_period_or_its_stored_code():
    assert render("{{ a|period_label }}|{{ b|period_label }}|{{ c|period_label }}", a="2026Q1", b=Period.parse("2026H1"),
                  c="不是期间") == "2026年第一季度|2026年上半年|不是期间"


def test_names_are_escaped_and_safe_strings_are_not():
    shown = render("{{ name }}|{{ safe }}", name="<b>一支部</b>", safe=mark_safe("<i>x</i>"))
    assert shown == "&lt;b&gt;一支部&lt;/b&gt;|<i>x</i>"
    assert render("{{ names|join('、') }}", names=["<a>", "乙"]) == "&lt;a&gt;、乙"


def test_a_missing_value_shows_nothing():
    assert render("[{{ nothing }}][{{ nothing.at.all }}][{{ d.missing }}][{{ nothing|date('Y') }}]", d={}) == "[][][][]"
    assert render("{% if nothing.at.all %}是{% else %}否{% endif %}") == "否"
    assert render("{{ nothing|default('—') }}|{{ empty|default('—') }}|{{ empty|default('—', true) }}", empty="") == "—||—"


SAME_AS_DJANGO = [  # (Django's engine, this environment, values)
    ("{{ v|default:'—' }}", "{{ v|default('—', true) }}", ["", 0, None, "甲"]),
    ("{{ v|default_if_none:'空' }}", "{{ v|default_if_none('空') }}", [None, 0]),
    ("{{ v|floatformat:1 }}|{{ v|floatformat:0 }}", "{{ v|floatformat(1) }}|{{ v|floatformat(0) }}",
     [Decimal("2.25"), 7, None]),
    ("{{ v|truncatechars:4 }}", "{{ v|truncatechars(4) }}", ["abcdef", "一二"]),
    ("{{ v|join:'、' }}", "{{ v|join('、') }}", [["<a>", "乙"]]),
    ("{{ v|linebreaksbr }}", "{{ v|linebreaksbr }}", ["一\n<二>"]),
    ("{{ v|filesizeformat }}", "{{ v|filesizeformat }}", [2048]),
    ("{{ v|json_script:'data' }}", "{{ v|json_script('data') }}", [{"a": "<b>"}]),
    ("{{ v|date:'n月j日 l' }}|{{ v|date }}|{{ v|date:'SHORT_DATE_FORMAT' }}",
     "{{ v|date('n月j日 l') }}|{{ v|date }}|{{ v|date('SHORT_DATE_FORMAT') }}", [dt.date(2026, 11, 22), MOMENT, None, ""]),
    ("{{ v|date:'Y-m-d H:i' }}", "{{ v|date('Y-m-d H:i') }}", [MOMENT]),
    ("{{ v|time:'H:i' }}|{{ v|time }}", "{{ v|time('H:i') }}|{{ v|time }}", [dt.time(9, 5), dt.time(0, 0), MOMENT, None]),
    ("{{ v }}", "{{ v }}", [dt.date(2026, 11, 22), MOMENT, dt.time(9, 5), Decimal("1234.50"), 2.5, 12345, True, "<b>"]),
]


@pytest.mark.parametrize(("django_source", "jinja_source", "values"), SAME_AS_DJANGO)
def test_filters_and_values_render_as_in_django(django_source, jinja_source, values):
    for value in values:
        assert render(jinja_source, v=value) == Template(django_source).render(Context({"v": value})), value


def test_numbers_follow_the_thousand_separator_setting_as_in_django(settings):
    settings.USE_THOUSAND_SEPARATOR = True  # (zh-hans groups no digits: its separator is "")
    values = {"n": 1234567, "amount": Decimal("1234567.50"), "yes": True}
    source = "{{ n }}|{{ amount }}|{{ yes }}"
    assert render(source, **values) == Template(source).render(Context(values))


def test_an_included_template_sees_the_with_and_loop_variables():
    env = environment(loader=jinja2.DictLoader({
        "row.html": "{{ tab }}{{ item }};",
        "page.html": "{% for item in items %}{% with tab='日历' %}{% include 'row.html' %}{% endwith %}{% endfor %}",
    }), autoescape=True)
    assert env.get_template("page.html").render(items=["甲", "乙"]) == "日历甲;日历乙;"


def test_url_is_djangos_reverse():
    template = ("{{ url('dues:unit', pk) }}|{{ url('dues:sheet', pk, month) }}|{{ url('home') }}|"
                "{{ url('dues:sheet', pk=pk, month=month) }}")
    assert render(template, pk=5, month="2026-07") == "|".join([
        reverse("dues:unit", args=[5]), reverse("dues:sheet", args=[5, "2026-07"]), reverse("home"),
        reverse("dues:sheet", kwargs={"pk": 5, "month": "2026-07"})])
    with pytest.raises(NoReverseMatch):
        render("{{ url('missing') }}")


def test_a_static_address_follows_the_settings(settings):
    assert render("{{ static('css/zhibu.css') }}") == "/static/css/zhibu.css"
    settings.STATIC_URL = "/assets/"
    assert render("{{ static('css/zhibu.css') }}") == "/assets/css/zhibu.css"


def page_for(request, source: str) -> str:
    return engines["jinja2"].from_string(source).render({}, request)


def test_a_pages_csrf_token_is_accepted(rf):
    from django.middleware.csrf import CsrfViewMiddleware, _unmask_cipher_token

    request = rf.get("/")
    token, field = page_for(request, "{{ csrf_token }}|{{ csrf_input }}").split("|")
    secret = request.META["CSRF_COOKIE"]
    assert _unmask_cipher_token(token) == secret
    assert field.startswith('<input type="hidden" name="csrfmiddlewaretoken" value="')
    assert _unmask_cipher_token(field.split('value="')[1].split('"')[0]) == secret

    post = rf.post("/", {"csrfmiddlewaretoken": token})
    post.COOKIES["csrftoken"] = secret
    middleware = CsrfViewMiddleware(lambda r: None)
    assert middleware.process_view(post, lambda r: None, (), {}) is None  # accepted


def test_the_token_is_only_made_for_a_page_that_shows_it(rf):
    request = rf.get("/")
    assert page_for(request, "没有表单") == "没有表单"
    assert "CSRF_COOKIE" not in request.META  # no cookie set, no Vary: Cookie
