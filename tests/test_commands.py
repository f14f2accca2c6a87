"""The CLI contract of cli.md: exit codes 0/1/2, Chinese messages, nothing written on refusal."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from branches.models import OrgUnit
from members.models import Person
from tests.factories import make_person
from tests.xlsx import workbook_bytes


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_exit_codes(tmp_path, tree):
    good = tmp_path / "orgs.xlsx"
    good.write_bytes(workbook_bytes({"组织": (["编码*", "名称*", "类型*", "上级编码"],
                                            [["N1", "新支部", "党支部", tree["committee"].code]])}))
    code, out, _ = run("import_xlsx", "orgs", str(good), "--dry-run")
    assert code == 0 and "将新增1条" in out
    assert not OrgUnit.objects.filter(code="N1").exists()
    code, out, _ = run("import_xlsx", "orgs", str(good))
    assert code == 0 and OrgUnit.objects.filter(code="N1").exists()

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes({"组织": (["编码*", "名称*", "类型*", "上级编码"],
                                           [["N2", "支部", "党支部", "NOPE"], ["N3", None, "党支部", "N1"]])}))
    code, _, err = run("import_xlsx", "orgs", str(bad))
    assert code == 1
    assert "第2行 上级编码：上级编码“NOPE”不存在" in err and "第3行 名称：必填" in err
    assert not OrgUnit.objects.filter(code__in=["N2", "N3"]).exists()

    text = tmp_path / "notes.xlsx"
    text.write_text("hello")
    assert run("import_xlsx", "members", str(text))[0] == 1
    assert run("import_xlsx", "members", str(tmp_path / "missing.xlsx"))[0] == 2


@pytest.mark.django_db
def test_export_exit_codes(tmp_path, tree):
    make_person(tree["branch_a"])
    out = tmp_path / "roster.xlsx"
    assert run("export", "members", "--org", tree["committee"].code, "--period", "2026", "--out", str(out))[0] == 0
    assert out.stat().st_size > 1000
    assert run("export", "nonsense", "--org", tree["committee"].code, "--period", "2026", "--out", str(out))[0] == 2
    assert run("export", "members", "--org", "NOPE", "--period", "2026", "--out", str(out))[0] == 2
    assert run("export", "members", "--org", tree["committee"].code, "--period", "2026Q5", "--out", str(out))[0] == 2
    assert run("export", "members", "--org", tree["committee"].code, "--period", "2026", "--out",
               str(tmp_path / "x.json"))[0] == 2
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.django_db
def test_seed_demo_is_deterministic_and_refuses_twice():
    assert run("seed_demo", "--seed", "7", "--password", "pw-12345")[0] == 0
    first = list(Person.objects.order_by("id_number").values_list("id_number", "name", "status"))
    assert len(first) >= 140
    code, _, err = run("seed_demo")
    assert code == 1 and "已存在" in err
    from django.contrib.auth import authenticate

    for username in ("admin", "dangwei", "shuji1", "shuji2"):
        assert authenticate(username=username, password="pw-12345") is not None


def test_usage_errors_exit_2_without_traceback():
    """Run as a real process: argparse usage errors exit 2 and print no Python traceback."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "manage.py", "import_xlsx", "nonsense", "x.xlsx"], cwd=root,
                          capture_output=True, text=True, env={"DJANGO_SETTINGS_MODULE": "config.settings.test",
                                                               "PATH": "/usr/bin:/bin"}, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
