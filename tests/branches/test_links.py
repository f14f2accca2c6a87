"""``fast_reverse`` and the ``{% url %}`` built on it give exactly what Django's ``reverse`` gives."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from branches.links import fast_reverse
from tests.url_cases import all_patterns


def _named() -> list[tuple[str, int]]:
    return [(p.name, len(p.kwargs)) for p in all_patterns() if p.name != p.route]


@pytest.mark.parametrize(("name", "arity"), _named())
def test_every_pattern_reverses_as_django_does(name, arity):
    for args in ([7] * arity, [123456] * arity, list(range(arity)), [10**12] * arity):
        try:
            expected = reverse(name, args=args)
        except NoReverseMatch:
            with pytest.raises(NoReverseMatch):
                fast_reverse(name, args=args)
            continue
        assert fast_reverse(name, args=args) == expected


@pytest.mark.parametrize("args", [[-1], [True], ["12"], ["x y"], [1.5]])
def test_other_arguments_go_through_reverse(args):
    try:
        expected = reverse("dues:unit", args=args)
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            fast_reverse("dues:unit", args=args)
    else:
        assert fast_reverse("dues:unit", args=args) == expected


def test_keyword_arguments_and_strings():
    assert fast_reverse("dues:sheet", kwargs={"pk": 3, "month": "2026-07"}) == reverse("dues:sheet", args=[3, "2026-07"])
    assert fast_reverse("dues:sheet", args=[3, "2026-07"]) == "/dues/unit/3/sheet/2026-07/"
    with pytest.raises(NoReverseMatch):
        fast_reverse("dues:nonexistent", args=[1])


def test_the_script_prefix_is_honoured():
    from django.urls import set_script_prefix

    fast_reverse("dues:unit", args=[1])
    set_script_prefix("/portal/")
    try:
        assert fast_reverse("dues:unit", args=[1]) == reverse("dues:unit", args=[1]) == "/portal/dues/unit/1/"
    finally:
        set_script_prefix("/")
    assert fast_reverse("dues:unit", args=[1]) == "/dues/unit/1/"


def test_the_pages_url_function_matches_django():
    from django.template import engines

    template = engines["jinja2"].from_string(
        "{{ url('dues:unit', pk) }}|{{ url('dues:sheet', pk, month) }}|{{ url('home') }}|"
        "{{ url('dues:sheet', pk=pk, month=month) }}|{% set saved = url('dues:unit', pk) %}{{ saved }}"
    )
    assert template.render({"pk": 5, "month": "2026-07"}) == (
        "/dues/unit/5/|/dues/unit/5/sheet/2026-07/|/|/dues/unit/5/sheet/2026-07/|/dues/unit/5/"
    )
    with pytest.raises(NoReverseMatch):
        engines["jinja2"].from_string("{{ url('missing') }}").render({})
