"""``unit_options``: one <option> per unit, names escaped, the chosen one selected."""

from types import SimpleNamespace

import pytest

from branches.markup import unit_options
from tests.factories import make_unit


def unit(pk, name, kind="branch"):
    return SimpleNamespace(pk=pk, name=name, kind=kind)


def test_names_are_escaped_and_the_chosen_unit_selected():
    html = unit_options([unit(1, '<b>"一支部"</b>&'), unit(2, "第一党小组", "group")], 2)
    assert html == ('<option value="1">&lt;b&gt;&quot;一支部&quot;&lt;/b&gt;&amp;</option>'
                    '<option value="2" selected>\u3000第一党小组</option>')


def test_kinds_can_be_skipped_and_groups_left_flush():
    html = unit_options([unit(1, "一支部"), unit(2, "第一党小组", "group")], None, indent_groups=False, skip_kind="branch")
    assert html == '<option value="2">第一党小组</option>'


@pytest.mark.django_db
def test_reads_a_queryset_in_three_columns(tree):
    from branches.models import OrgUnit

    make_unit("branch", tree["committee"], name="<script>")
    html = unit_options(OrgUnit.objects.order_by("path"), tree["branch_a"])
    assert f'<option value="{tree["branch_a"].pk}" selected>' in html
    assert "&lt;script&gt;" in html and "<script>" not in html
