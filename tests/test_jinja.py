"""The pages' engine reads a template as Django's engine would (config/jinja.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils.safestring import mark_safe


def render(source: str, **context: object) -> str:
    return engines["jinja"].from_string(source).render(context)


class Row:
    name = "<b>一支部</b>"

    def label(self) -> str:
        return "已确认"

    def delete(self) -> str:
        raise AssertionError("a template must not call a method that alters data")

    delete.alters_data = True  # type: ignore[attr-defined]

    def needs(self, argument: str) -> str:
        return argument

    def broken(self) -> str:
        return len(None)  # type: ignore[arg-type]

    def gone(self) -> str:
        from django.core.exceptions import ObjectDoesNotExist

        raise ObjectDoesNotExist


def test_a_dictionary_key_comes_before_an_attribute_and_methods_are_called():
    assert render("{{ d.items }}|{{ d.count }}", d={"items": "条目", "count": 3}) == "条目|3"
    assert render("{% for k, v in d.items %}{{ k }}={{ v }};{% endfor %}", d={"a": 1, "b": 2}) == "a=1;b=2;"
    assert render("{{ row.label }}|{{ row.needs('参数') }}|[{{ row.delete }}]", row=Row()) == "已确认|参数|[]"
    assert render("{{ pair.0 }}{{ pair.1 }}", pair=("甲", "乙")) == "甲乙"
    with pytest.raises(TypeError):  # an error inside a method is not mistaken for a missing argument
        render("{{ row.broken }}", row=Row())


def test_a_comparison_that_cannot_be_made_is_false():
    assert render("{% if a < b %}小{% else %}否{% endif %}", a=Decimal("1"), b=None) == "否"
    assert render("{% if a >= b %}是{% endif %}|{% if x in n %}在{% endif %}", a=None, b=2, x=1, n=None) == "|"
    assert render("{% if a < b %}小{% endif %}{% if a not in c %}无{% endif %}", a=1, b=2, c=[3]) == "小无"
    assert render("{% for r in rows %}{{ r.n > 1 }}{% endfor %}", rows=[{"n": 2}, {"n": None}]) == "TrueFalse"


def test_missing_values_show_nothing_and_names_are_escaped():
    assert render("[{{ row.gone }}][{{ a.b|date('Y') }}][{{ a.b|floatformat(1) }}][{{ a.b|default('—') }}]",
                  row=Row(), a={}) == "[][][][—]"
    assert render("[{{ nothing }}][{{ nothing.at.all }}][{{ row.missing }}]", row=Row()) == "[][][]"
    assert render("{% if nothing.at.all %}是{% else %}否{% endif %}") == "否"
    assert render("{{ row.name }}|{{ safe }}", row=Row(), safe=mark_safe("<i>x</i>")) == "&lt;b&gt;一支部&lt;/b&gt;|<i>x</i>"


def test_dates_and_times_are_shown_localised_in_the_local_time_zone():
    moment = dt.datetime(2026, 11, 21, 17, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 on the 22nd in Beijing
    assert render("{{ day }}", day=dt.date(2026, 11, 22)) == "2026年11月22日"
    assert render("{{ moment|date('Y-m-d H:i') }}|{{ moment|time('H:i') }}", moment=moment) == "2026-11-22 01:30|01:30"
    assert render("{{ n }}|{{ amount }}|{{ yes }}|{{ none }}", n=12345, amount=Decimal("1234.50"), yes=True,
                  none=None) == "12345|1234.50|True|None"


SAME_AS_DJANGO = [
    ("{{ v|default:'—' }}", "{{ v|default('—') }}", ["", 0, None, "甲"]),
    ("{{ v|default_if_none:'空' }}", "{{ v|default_if_none('空') }}", [None, 0]),
    ("{{ v|length }}", "{{ v|length }}", [[1, 2], None, "四个字符"]),
    ("{{ v|add:-1 }}", "{{ v|add(-1) }}", [3, "3"]),
    ("{{ v|floatformat:1 }}|{{ v|floatformat:0 }}", "{{ v|floatformat(1) }}|{{ v|floatformat(0) }}",
     [Decimal("2.25"), 7, None]),
    ("{{ v|truncatechars:4 }}", "{{ v|truncatechars(4) }}", ["abcdef", "一二"]),
    ("{{ v|join:'、' }}", "{{ v|join('、') }}", [["<a>", "乙"]]),
    ("{{ v|linebreaksbr }}", "{{ v|linebreaksbr }}", ["一\n<二>"]),
    ("{{ v|slice:':2' }}", "{{ v|slice(':2') }}", [[1, 2, 3]]),
    ("{{ v|stringformat:'03d' }}", "{{ v|stringformat('03d') }}", [7]),
    ("{{ v|filesizeformat }}", "{{ v|filesizeformat }}", [2048]),
    ("{{ v|json_script:'data' }}", "{{ v|json_script('data') }}", [{"a": "<b>"}]),
    ("{{ v|date:'n月j日 l' }}|{{ v|date }}|{{ v|date:'SHORT_DATE_FORMAT' }}",
     "{{ v|date('n月j日 l') }}|{{ v|date }}|{{ v|date('SHORT_DATE_FORMAT') }}",
     [dt.date(2026, 11, 22), dt.datetime(2026, 11, 21, 17, 30, tzinfo=ZoneInfo("UTC")), None, ""]),
    ("{{ v|date:'Y-m-d H:i' }}", "{{ v|date('Y-m-d H:i') }}", [dt.datetime(2026, 11, 21, 17, 30, tzinfo=ZoneInfo("UTC"))]),
    ("{{ v|time:'H:i' }}|{{ v|time }}", "{{ v|time('H:i') }}|{{ v|time }}",
     [dt.time(9, 5), dt.datetime(2026, 11, 21, 17, 30, tzinfo=ZoneInfo("UTC")), None]),
    ("{{ v }}", "{{ v }}", [dt.date(2026, 11, 22), dt.datetime(2026, 11, 21, 17, 30, tzinfo=ZoneInfo("UTC")),
                            Decimal("1234.50"), 2.5, 12345, True, None, "<b>"]),
]


@pytest.mark.parametrize(("django_source", "jinja_source", "values"), SAME_AS_DJANGO)
def test_filters_and_values_render_as_in_django(django_source, jinja_source, values):
    from django.template import Context, Template

    for value in values:
        assert render(jinja_source, v=value) == Template(django_source).render(Context({"v": value})), value


def test_an_included_template_sees_the_with_and_loop_variables():
    """(Not ``loop`` itself, which Django's engine would pass on as ``forloop``: no include reads it.)"""
    import jinja2

    from config.jinja import environment

    env = environment(loader=jinja2.DictLoader({
        "row.html": "{{ tab }}{{ item }};",
        "page.html": "{% for item in items %}{% with tab='日历' %}{% include 'row.html' %}{% endwith %}{% endfor %}",
    }), autoescape=True)
    assert env.get_template("page.html").render(items=["甲", "乙"]) == "日历甲;日历乙;"


@pytest.mark.parametrize("name", ["home", "members:list"])
def test_links_and_static_files(name):
    from django.urls import reverse

    assert render(f"{{{{ url('{name}') }}}}") == reverse(name)
    assert render("{{ static('css/zhibu.css') }}").endswith("css/zhibu.css")


def test_a_static_address_follows_a_change_of_settings(settings):
    assert render("{{ static('css/zhibu.css') }}") == "/static/css/zhibu.css"
    settings.STATIC_URL = "/assets/"
    assert render("{{ static('css/zhibu.css') }}") == "/assets/css/zhibu.css"


def page_for(request, source: str) -> str:
    return engines["jinja"].from_string(source).render({}, request)


def test_a_page_shows_one_masked_token_everywhere_and_it_is_accepted(rf):
    from django.middleware.csrf import CsrfViewMiddleware, _unmask_cipher_token

    request = rf.get("/")
    html = page_for(request, "{{ csrf_token }}|{{ csrf_token }}|{{ csrf_input }}")
    first, second, field = html.split("|")
    assert first == second and field == f'<input type="hidden" name="csrfmiddlewaretoken" value="{first}">'
    secret = request.META["CSRF_COOKIE"]
    assert _unmask_cipher_token(first) == secret

    post = rf.post("/", {"csrfmiddlewaretoken": first})
    post.COOKIES["csrftoken"] = secret
    middleware = CsrfViewMiddleware(lambda r: None)
    assert middleware.process_view(post, lambda r: None, (), {}) is None  # accepted


def test_the_token_is_only_made_for_a_page_that_shows_it(rf):
    request = rf.get("/")
    assert page_for(request, "没有表单") == "没有表单"
    assert "CSRF_COOKIE" not in request.META  # no cookie set, no Vary: Cookie
