import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest

from branches.importing import ImportRefused, importer_for
from branches.models import OrgUnit
from branches.periods import Period
from dues.models import DuesBase
from members.models import DevelopmentStep, Membership, Person, Status
from reports.roster_export import MembersExporter
from tests.factories import id_number, make_person
from tests.xlsx import sheet_file

HEADERS = ["姓名*", "公民身份号码*", "人员类别*", "所在党组织编码*", "性别", "出生日期", "党小组编码",
           "申请入党日期", "确定积极分子日期", "确定发展对象日期", "接收预备党员日期", "转正日期",
           "党费类别", "党费基数"]


def row(tree, **overrides):
    birth = overrides.pop("birth", dt.date(1988, 3, 4))
    values = {
        "姓名*": "王芳", "公民身份号码*": id_number(birth, male=False), "人员类别*": "正式党员",
        "所在党组织编码*": tree["branch_a"].code, "性别": "女", "出生日期": birth, "党小组编码": tree["group_a"].code,
        "申请入党日期": "2010-03-01", "确定积极分子日期": "2010/9/1", "确定发展对象日期": "2011年10月1日",
        "接收预备党员日期": dt.datetime(2012, 1, 5), "转正日期": "2013-01-05", "党费类别": "在职", "党费基数": 5100,
    }
    values.update(overrides)
    return [values.get(header) for header in HEADERS]


def run(rows, headers=HEADERS, **kwargs):
    return importer_for("members").run(sheet_file(headers, rows), **kwargs)


def assert_nothing_written():
    assert not Person.objects.exists()
    assert not Membership.objects.exists()
    assert not DuesBase.objects.exists()


@pytest.mark.django_db
class TestAccepted:
    def test_creates_people_memberships_steps_and_dues_base(self, tree):
        result = run([row(tree), row(tree, **{"姓名*": "陈伟", "公民身份号码*": id_number(dt.date(1990, 1, 1)),
                                              "性别": "男", "出生日期": None, "人员类别*": "入党积极分子",
                                              "确定发展对象日期": None, "接收预备党员日期": None, "转正日期": None,
                                              "党费类别": None, "党费基数": None})])
        assert (result.created, result.updated) == (2, 0)
        wang = Person.objects.get(name="王芳")
        assert wang.status == Status.FULL and wang.candidate_on == dt.date(2011, 10, 1)
        assert Membership.objects.get(person=wang).group == tree["group_a"]
        assert DuesBase.objects.get(person=wang).base == Decimal("5100")
        chen = Person.objects.get(name="陈伟")
        assert chen.birth_date == dt.date(1990, 1, 1)
        assert set(DevelopmentStep.objects.filter(person=chen).values_list("step", flat=True)) == {1, 3}

    def test_dry_run_writes_nothing(self, tree):
        result = run([row(tree)], dry_run=True)
        assert result.created == 1
        assert_nothing_written()

    def test_reimport_changes_nothing_and_updates_changes(self, tree):
        first = row(tree)
        run([first])
        again = run([first])
        assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
        changed = run([row(tree, **{"公民身份号码*": first[1], "党费基数": 6000, "性别": None})])
        assert changed.updated == 1
        assert Person.objects.get().history.count() == 1  # only the dues base changed
        assert DuesBase.objects.count() == 2

    def test_headers_tolerate_spaces_fullwidth_and_order(self, tree):
        headers = [" 公民身份号码 * ", "姓名＊", "所在党组织编码（编码）", "人员类别*"]
        values = row(tree)
        result = run([[values[1], values[0], values[3], values[2]]], headers=headers)
        assert result.created == 1

    def test_round_trip_through_export(self, tree):
        for _ in range(3):
            make_person(tree["branch_a"], group=tree["group_a"])
        make_person(tree["branch_b"], status=Status.PROBATIONARY)
        output = MembersExporter().render(unit=tree["committee"], period=Period.parse("2026"), fmt="xlsx", user=None)
        before = list(Person.objects.values_list("id_number", "status", "applied_on", "full_on"))
        result = importer_for("members").run(BytesIO(output.content))
        assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
        assert list(Person.objects.values_list("id_number", "status", "applied_on", "full_on")) == before

    def test_thousand_rows(self, tree):
        rows = [row(tree, **{"姓名*": f"成员{i}", "公民身份号码*": id_number(dt.date(1970, 1, 1) + dt.timedelta(days=i)),
                             "出生日期": None, "性别": None}) for i in range(1000)]
        assert run(rows).created == 1000
        assert Membership.objects.filter(unit=tree["branch_a"]).count() == 1000


REFUSALS = [
    ({"公民身份号码*": "110105194912310021"}, "公民身份号码", "校验位"),
    ({"公民身份号码*": "11010519491331002" + "5"}, "公民身份号码", ""),
    ({"出生日期": dt.date(1988, 3, 5)}, "出生日期", "不一致"),
    ({"性别": "男"}, "性别", "不一致"),
    ({"申请入党日期": "2005-01-01", "birth": dt.date(1988, 3, 4)}, "申请入党日期", "未满18周岁"),
    ({"确定积极分子日期": "2009-01-01"}, "确定积极分子日期", "早于"),
    ({"转正日期": "2030-01-05"}, "转正日期", "晚于今天"),
    ({"人员类别*": "预备党员"}, "转正日期", "不应填写"),
    ({"所在党组织编码*": "NOPE"}, "所在党组织编码", "不存在"),
    ({"党小组编码": "NOPE"}, "党小组编码", "不存在"),
    ({"人员类别*": "群众"}, "人员类别", "不是有效类别"),
    ({"党费基数": -5}, "党费基数", "负数"),
    ({"党费基数": "五千"}, "党费基数", "不是数字"),
    ({"党费基数": None}, "党费基数", "必填"),
    ({"申请入党日期": "2010-02-30"}, "申请入党日期", "不存在"),
    ({"申请入党日期": "去年"}, "申请入党日期", "无法识别"),
    ({"姓名*": None}, "姓名", "必填"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "column", "reason"), REFUSALS)
def test_refused_rows_write_nothing(tree, overrides, column, reason):
    good = row(tree, **{"姓名*": "好人", "公民身份号码*": id_number(dt.date(1980, 1, 1)), "出生日期": None, "性别": None})
    with pytest.raises(ImportRefused) as refused:
        run([good, row(tree, **overrides)])
    assert any(line.startswith(f"第3行 {column}：") and reason in line for line in refused.value.problems), refused.value.problems
    assert_nothing_written()


@pytest.mark.django_db
def test_group_not_under_branch(tree):
    other_group = OrgUnit.objects.create(code="G-B", name="乙组", kind="group", parent=tree["branch_b"],
                                         path=f"{tree['branch_b'].path}999/")
    with pytest.raises(ImportRefused) as refused:
        run([row(tree, 党小组编码=other_group.code)])
    assert any("第2行 党小组编码：" in line and "不是" in line for line in refused.value.problems)
    assert_nothing_written()


@pytest.mark.django_db
def test_duplicate_keys_in_file_and_every_problem_listed(tree):
    first = row(tree)
    bad = row(tree, **{"公民身份号码*": "123", "人员类别*": "群众"})
    with pytest.raises(ImportRefused) as refused:
        run([first, first, bad])
    lines = refused.value.problems
    assert any(line.startswith("第3行 公民身份号码：与第2行重复") for line in lines)
    assert any(line.startswith("第4行 公民身份号码：") for line in lines)
    assert any(line.startswith("第4行 人员类别：") for line in lines)
    assert_nothing_written()


@pytest.mark.django_db
def test_member_of_another_branch_is_not_silently_moved(tree):
    person = make_person(tree["branch_b"])
    with pytest.raises(ImportRefused, match="组织关系转接"):
        run([row(tree, **{"公民身份号码*": person.id_number, "出生日期": None, "性别": None})])


@pytest.mark.django_db
def test_browser_user_limited_to_own_branch(tree, outsider):
    with pytest.raises(ImportRefused, match="无权"):
        run([row(tree)], user=outsider, actor=outsider)
    assert_nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a workbook", "不是可读取的 Excel"),
        (b"PK\x03\x04broken zip", "不是可读取的 Excel"),
    ],
)
def test_unreadable_files(tree, content, message):
    with pytest.raises(ImportRefused, match=message):
        importer_for("members").run(BytesIO(content))


@pytest.mark.django_db
def test_missing_required_column_and_formula(tree):
    with pytest.raises(ImportRefused, match="缺少必填列"):
        run([row(tree)[:3]], headers=HEADERS[:3])
    values = row(tree, 姓名="=HYPERLINK(\"x\")")
    values[0] = '=HYPERLINK("http://x")'
    with pytest.raises(ImportRefused, match="不接受公式"):
        run([values])
    assert_nothing_written()


@pytest.mark.django_db
def test_too_many_rows(tree, settings):
    settings.IMPORT_MAX_ROWS = 5
    rows = [row(tree, **{"公民身份号码*": id_number()}) for _ in range(6)]
    with pytest.raises(ImportRefused, match="超过单次导入上限5行"):
        run(rows)
    assert_nothing_written()
