import datetime as dt

import pytest

from branches.importing import ImportRefused, importer_for
from branches.models import OrgUnit, Term, UnitKind
from tests.xlsx import sheet_file

HEADERS = ["编码*", "名称*", "类型*", "上级编码", "成立日期", "换届日期"]


def run(rows, **kwargs):
    return importer_for("orgs").run(sheet_file(HEADERS, rows), **kwargs)


ROWS = [
    ["JG", "机关党委", "党委", None, "2001-07-01", "2024-05-10"],
    ["JG-01", "办公室党支部", "党支部", "JG", "2005/3/1", "2025年6月1日"],
    ["JG-01-1", "第一党小组", "党小组", "JG-01", None, None],
    ["JG-Z1", "第一党总支", "党总支", "JG", None, "2023-01-01"],
    ["JG-Z1-01", "财务处党支部", "党支部", "JG-Z1", None, None],
]


@pytest.mark.django_db
def test_builds_tree_children_before_parents_in_any_order():
    result = run(list(reversed(ROWS)))
    assert result.created == 5
    group = OrgUnit.objects.get(code="JG-01-1")
    assert group.kind == UnitKind.GROUP and group.parent.code == "JG-01"
    assert group.path.startswith(OrgUnit.objects.get(code="JG").path)
    assert Term.objects.get(unit__code="JG-01").ends_on == dt.date(2028, 6, 1)
    assert Term.objects.get(unit__code="JG").ends_on == dt.date(2029, 5, 10)
    again = run(ROWS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    renamed = run([["JG-01", "综合办公室党支部", "党支部", "JG", None, None]])
    assert renamed.updated == 1
    assert OrgUnit.objects.get(code="JG-01").name == "综合办公室党支部"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (["X1", "某组", "党小组", "JG", None, None], "第7行 类型：党小组不能设在党委之下"),
        (["X1", "某支部", "党支部", "NOPE", None, None], "第7行 上级编码：上级编码“NOPE”不存在"),
        (["X1", "某支部", "党支部", None, None, None], "第7行 上级编码：党支部必须填写上级编码"),
        (["X1", "某支部", "支部", "JG", None, None], "第7行 类型：“支部”不是有效类型"),
        (["X1", None, "党支部", "JG", None, None], "第7行 名称：必填"),
        (["JG-01", "重复", "党支部", "JG", None, None], "第7行 编码：与第3行重复"),
        (["X1", "某支部", "党支部", "JG", "2030-01-01", None], "第7行 成立日期：2030-01-01晚于今天"),
        (["X1", "某组", "党小组", "JG-01", None, "2024-01-01"], "第7行 换届日期：党小组不实行换届"),
        (["X1", "某支部", "党支部", "JG", "2020-13-01", None], "第7行 成立日期：日期“2020-13-01”不存在"),
        (["X1", "某支部", "党支部", "JG", "二〇二〇年", None], "第7行 成立日期：无法识别的日期"),
        (["X1", "某支部", "党支部", "X1", None, None], "第7行 上级编码：上级编码不能是本组织"),
    ],
)
def test_refusals_write_nothing(bad, expected):
    with pytest.raises(ImportRefused) as refused:
        run([*ROWS, bad])
    assert any(line.startswith(expected) for line in refused.value.problems), refused.value.problems
    assert not OrgUnit.objects.exists()
    assert not Term.objects.exists()


@pytest.mark.django_db
def test_cycle_refused():
    rows = [["A", "甲", "党委", "B", None, None], ["B", "乙", "党委", "A", None, None]]
    with pytest.raises(ImportRefused, match="循环"):
        run(rows)
    assert not OrgUnit.objects.exists()


@pytest.mark.django_db
def test_browser_user_needs_rights(tree, owner, staff):
    committee = tree["committee"].code
    with pytest.raises(ImportRefused, match="无权"):
        run([["NEW", "新支部", "党支部", committee, None, None]], user=owner, actor=owner)
    assert run([["NEW", "新支部", "党支部", committee, None, None]], user=staff, actor=staff).created == 1
    assert run([["NEW-1", "新党小组", "党小组", tree["branch_a"].code, None, None]], user=owner, actor=owner).created == 1
    with pytest.raises(ImportRefused, match="管理员"):
        run([["TOP2", "另一个党委", "党委", None, None, None]], user=staff, actor=staff)


def test_template_has_required_headers():
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(importer_for("orgs").template()))
    assert [cell.value for cell in book.worksheets[0][1]] == HEADERS
    assert "填写说明" in book.sheetnames
