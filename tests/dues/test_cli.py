"""``import_xlsx payments``, ``generate_dues`` and ``export dues`` as cli.md specifies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import load_command_class
from openpyxl import Workbook, load_workbook

from branches.periods import Period
from dues import services
from dues.facts import figures_for
from dues.models import DuesDue, Payment, Receipt

from .helpers import m, member

pytestmark = pytest.mark.django_db
D = Decimal
HEADERS = ["公民身份号码*", "所属月份*", "金额*", "缴纳日期*", "方式", "备注"]


def workbook(path, rows, headers=HEADERS):
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def run(name, *argv):
    """Run a command as manage.py would; returns (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    command = load_command_class("dues" if name == "generate_dues" else
                                 "branches" if name == "import_xlsx" else "reports", name)
    command.stdout._out, command.stderr._out = out, err
    try:
        # run_from_argv closes the database connections when done: keep the test's transaction open
        with mock.patch("django.core.management.base.connections.close_all"):
            command.run_from_argv(["manage.py", name, *argv])
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def people(tree):
    a = member(tree["branch_a"], base="5100")
    b = member(tree["branch_a"], base="3000")
    for month in ("2026-01", "2026-02", "2026-03"):
        services.dues_generate(actor=None, month=m(month))
    return a, b


def test_import_payments_then_reimport_changes_nothing(tmp_path, people):
    a, b = people
    path = workbook(tmp_path / "p.xlsx", [
        [a.id_number, "2026-01", 76.5, "2026/1/5", "微信", ""],
        [a.id_number, "2026-02", "76.50", dt.datetime(2026, 2, 6), "", "按时"],
        [b.id_number, "2026年1月", 15, "2026年1月8日", "现金", None],
    ])
    code, out, err = run("import_xlsx", "payments", path)
    assert code == 0, err
    assert "新增3条" in out
    assert Payment.objects.count() == 3 and Receipt.objects.count() == 0
    code, out, _ = run("import_xlsx", "payments", path)
    assert code == 0 and "新增0条" in out and "3条无变化" in out
    assert Payment.objects.count() == 3


def test_refused_import_writes_nothing_and_lists_every_problem(tmp_path, people):
    a, b = people
    wrong_check = a.id_number[:17] + ("0" if a.id_number[17] != "0" else "1")
    path = workbook(tmp_path / "bad.xlsx", [
        [a.id_number, "2026-01", 76.5, "2026-01-05", "现金", ""],   # fine on its own
        [b.id_number, "2026-01", 99, "2026-01-05", "现金", ""],     # more than due
        [wrong_check, "2026-02", 10, "2026-02-05", "", ""],          # bad check digit
        [a.id_number, "2026-13", 10, "2026-02-05", "", ""],          # bad month
        [a.id_number, "2026-02", -3, "2099-01-01", "刷卡", ""],      # negative, future, bad method
        [a.id_number, "2026-01", 76.5, "2026-01-06", "", ""],       # duplicate member+month in file
    ])
    before = Payment.objects.count()
    code, _out, err = run("import_xlsx", "payments", path)
    assert code == 1
    assert Payment.objects.count() == before == 0
    assert "第3行 金额：99元超过" in err
    assert "第4行 公民身份号码：公民身份号码校验位错误" in err
    assert "第5行 所属月份：" in err
    assert "第6行 金额：金额不能为负数" in err and "第6行 缴纳日期：2099-01-01晚于今天" in err
    assert "第6行 方式：“刷卡”不是有效选项" in err
    assert "第7行 所属月份：与第2行重复" in err
    assert "Traceback" not in err


def test_import_refuses_a_second_payment_for_a_paid_month(tmp_path, people):
    a, _ = people
    services.payments_record(actor=None, person=a, months=[m("2026-01")], paid_on=dt.date(2026, 1, 3))
    path = workbook(tmp_path / "p.xlsx", [[a.id_number, "2026-01", 76.5, "2026-01-09", "", ""]])
    code, _, err = run("import_xlsx", "payments", path)
    assert code == 1 and "已登记缴纳" in err and Payment.objects.count() == 1


def test_import_missing_column_and_not_a_workbook(tmp_path, people):
    path = workbook(tmp_path / "p.xlsx", [["x", "2026-01"]], headers=["公民身份号码", "所属月份"])
    code, _, err = run("import_xlsx", "payments", path)
    assert code == 1 and "金额：缺少必填列" in err
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    code, _, err = run("import_xlsx", "payments", str(junk))
    assert code == 1 and "不是可读取的 Excel" in err


def test_import_dry_run_writes_nothing(tmp_path, people):
    a, _ = people
    path = workbook(tmp_path / "p.xlsx", [[a.id_number, "2026-03", 76.5, "2026-03-02", "", ""]])
    code, out, _ = run("import_xlsx", "payments", path, "--dry-run")
    assert code == 0 and "将新增1条" in out and Payment.objects.count() == 0


def test_import_person_not_in_roster(tmp_path, people):
    from tests.factories import id_number

    path = workbook(tmp_path / "p.xlsx", [[id_number(), "2026-01", 1, "2026-01-05", "", ""]])
    code, _, err = run("import_xlsx", "payments", path)
    assert code == 1 and "第2行 公民身份号码：" in err and "不在党员名册中" in err


def test_generate_dues_command(tree):
    a = member(tree["branch_a"], base="4000", since=dt.date(2026, 1, 1))
    code, out, _ = run("generate_dues", "--period", "2026-03")
    assert code == 0 and "新增应缴1条" in out
    code, out, _ = run("generate_dues", "--period", "2026-03")
    assert code == 0 and "新增应缴0条，更新0条，1条无变化" in out
    services.dues_base_set(actor=None, person=a, category="在职", base=D("5100"), effective_from=dt.date(2026, 3, 1))
    code, out, _ = run("generate_dues", "--period", "2026-03")
    assert code == 0 and "更新1条" in out and f"变更 {a.name} 2026-03：基数 4000→5100，比例" in out
    assert DuesDue.objects.get().amount == D("76.50")


def test_generate_dues_usage_errors(tree):
    assert run("generate_dues", "--period", "2026-3x")[0] == 2
    assert run("generate_dues", "--period", "2026-03", "--org", "NOPE")[0] == 2
    assert run("generate_dues")[0] == 2
    assert run("generate_dues", "--period", "2999-01")[0] == 1


def test_generate_dues_quarter_runs_each_month(tree):
    member(tree["branch_a"])
    code, out, _ = run("generate_dues", "--period", "2026Q1")
    assert code == 0 and out.count("新增应缴1条") == 3


def test_export_dues_agrees_with_the_figures(tmp_path, people):
    a, _b = people
    services.payments_record(actor=None, person=a, months=[m("2026-01"), m("2026-02")], paid_on=dt.date(2026, 2, 3))
    target = tmp_path / "dues.xlsx"
    code, _, err = run("export", "dues", "--org", people[0].memberships.get().unit.code, "--period", "2026Q1",
                       "--out", str(target))
    assert code == 0, err
    book = load_workbook(target)
    ledger = list(book["党费收缴台账"].iter_rows(values_only=True))
    assert list(ledger[0]) == ["姓名", "月份", "应缴", "实缴", "欠缴", "状态"]
    assert len(ledger) == 1 + 6
    row = next(r for r in ledger[1:] if r[0] == a.name and r[1] == "2026-01")
    assert [D(str(v)) for v in row[2:5]] == [D("76.50"), D("76.50"), D("0")] and row[5] == "已缴"
    figures = figures_for(a.memberships.get().unit, Period.parse("2026Q1"))
    summary = list(book["汇总"].iter_rows(values_only=True))
    total = summary[-1]
    assert total[0].endswith("（合计）")
    assert D(str(total[3])) == figures.due == sum(D(str(r[2])) for r in ledger[1:])
    assert D(str(total[4])) == figures.paid == sum(D(str(r[3])) for r in ledger[1:])
    assert D(str(total[5])) == figures.outstanding == sum(D(str(r[4])) for r in ledger[1:])
    assert D(str(total[8])) == figures.rate_money



def test_browser_import_is_limited_to_the_users_branches(tmp_path, people, outsider, owner):
    from branches.importing import ImportRefused, importer_for

    a, _ = people
    path = workbook(tmp_path / "p.xlsx", [[a.id_number, "2026-01", 76.5, "2026-01-05", "", ""]])
    with pytest.raises(ImportRefused) as refused, open(path, "rb") as handle:
        importer_for("payments").run(handle, actor=outsider, user=outsider)
    assert "第2行 公民身份号码：您无权登记" in refused.value.problems[0]
    assert Payment.objects.count() == 0
    with open(path, "rb") as handle:
        result = importer_for("payments").run(handle, actor=owner, user=owner)
    assert result.created == 1 and Payment.objects.get().recorded_by == owner
