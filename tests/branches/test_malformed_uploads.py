"""Malformed workbooks, for every importer, through the CLI and through the browser upload.

Each is refused with a clear Chinese reason (CLI: exit 1, no traceback; browser: a refused batch
whose problems are shown), and nothing is written. Decisions pinned here:
- a cell holding a formula (``=1+1``, ``=HYPERLINK(…)``) is refused as ``第N行 列：不接受公式``: a file
  written by a program has no cached value to fall back on, and we never evaluate formulas;
- a merged header cell counts for its first column (that is where Excel keeps the text), so a
  merged header imports correctly; a merged title row above the headers is refused as missing
  columns, with a hint not to merge header cells;
- more than ``IMPORT_MAX_ROWS`` data rows, or more than ``IMPORT_MAX_BYTES``, is refused before any
  cell is parsed.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from branches.importing import importer_for
from branches.models import OrgUnit
from dues.models import DuesBase, Payment
from meetings.models import Attendance, Meeting
from members.models import Membership, Person
from reports.models import ImportBatch
from tests.celery_support import jobs_run_on_commit
from tests.xlsx import large_workbook_bytes, workbook_bytes

pytestmark = pytest.mark.django_db

KINDS = ["orgs", "members", "meetings", "payments"]
NOT_READABLE = "不是可读取的 Excel 工作簿"


def sheets_of(kind: str) -> dict[str, list[str]]:
    """Sheet title → the template's headers, for ``kind``."""
    importer = importer_for(kind)
    return {name or "Sheet1": [column.header for column in columns] for name, columns in importer.sheets.items()}


def required_of(kind: str) -> list[tuple[str | None, str]]:
    importer = importer_for(kind)
    return [(name, column.name) for name, columns in importer.sheets.items() for column in columns if column.required]


def sheet_prefix(name: str | None) -> str:
    return f"{name} " if name else ""


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (OrgUnit, Person, Membership, DuesBase, Meeting, Attendance, Payment)}


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def damaged_bytes(kind: str) -> bytes:
    """A real workbook of ``kind`` whose first sheet's XML is cut off mid-tag."""
    good = io.BytesIO(workbook_bytes({title: (headers, [["x"] * len(headers)]) for title, headers in sheets_of(kind).items()}))
    parts = {}
    with zipfile.ZipFile(good) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:300]
    return zip_of(parts)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole_bytes(*streams: str) -> bytes:
    """A compound file (the container of .xls and of password-encrypted .xlsx): header sector,
    then a directory sector naming ``streams`` in UTF-16, as Office writes them."""
    header = OLE_MAGIC + b"\0" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\0" * (512 - 32)
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64 for name in ("Root Entry", *streams))
    return header + directory.ljust(512, b"\0")


NOT_A_WORKBOOK: dict[str, tuple[bytes | Any, str]] = {
    "random bytes": (bytes(range(256)) * 40, NOT_READABLE),
    "csv renamed .xlsx": ("编码,名称,类型\nJG,机关党委,党委\n".encode(), "文本文件（如 CSV）"),
    "gbk txt renamed .xlsx": ("支部台账 说明\r\n第一行\t第二列\r\n".encode("gb18030"), "文本文件（如 CSV）"),
    "zip that is not xlsx": (zip_of({"readme.txt": b"hello", "data/a.csv": b"1,2"}), NOT_READABLE),
    "word document": (docx_bytes, "Word 文档"),
    "damaged sheet xml": (damaged_bytes, "文件已损坏"),
    "xls 97-2003": (ole_bytes("Workbook", "\x05SummaryInformation"), "旧版 Excel 97-2003"),
    "password-encrypted xlsx": (ole_bytes("EncryptionInfo", "EncryptedPackage"), "设置了打开密码"),
    "truncated zip": (b"PK\x03\x04" + b"\0" * 200, NOT_READABLE),
}


def content_of(case: str, kind: str) -> bytes:
    content = NOT_A_WORKBOOK[case][0]
    if callable(content):
        return content(kind) if content is damaged_bytes else content()
    return content


def cli(kind: str, path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_xlsx", kind, str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def upload(client: Any, kind: str, content: bytes, name: str = "台账.xlsx") -> Any:
    with jobs_run_on_commit():
        return client.post(reverse("reports:import_upload", args=[kind]), {"file": SimpleUploadedFile(name, content)})


def assert_cli_refused(tmp_path: Path, kind: str, content: bytes, expected: str | list[str]) -> str:
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(content)
    before = counts()
    code, out, err = cli(kind, path)
    assert code == 1, (out, err)
    assert "导入被拒绝，未写入任何数据" in err
    for text in [expected] if isinstance(expected, str) else expected:
        assert text in err, err
    assert "Traceback" not in err + out
    assert counts() == before
    return err


def assert_browser_refused(client: Any, kind: str, content: bytes, expected: str | list[str]) -> ImportBatch:
    before = counts()
    response = upload(client, kind, content)
    batch = ImportBatch.objects.latest("created_at")
    assert response.status_code == 302 and response.url == reverse("reports:import_preview", args=[batch.pk])
    assert batch.state == ImportBatch.State.REFUSED and batch.kind == kind
    page = client.get(response.url).content.decode()
    assert "未通过校验，未写入任何数据" in page
    for text in [expected] if isinstance(expected, str) else expected:
        assert any(text in line for line in batch.problems), batch.problems
        assert text in page
    assert counts() == before
    return batch


# --- not a workbook at all ------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(NOT_A_WORKBOOK))
@pytest.mark.parametrize("kind", KINDS)
def test_not_a_workbook_is_refused_by_cli(tmp_path, tree, kind, case):
    assert_cli_refused(tmp_path, kind, content_of(case, kind), [NOT_A_WORKBOOK[case][1], NOT_READABLE])


@pytest.mark.parametrize("case", list(NOT_A_WORKBOOK))
@pytest.mark.parametrize("kind", KINDS)
def test_not_a_workbook_is_refused_in_browser(client_for, tree, owner, kind, case):
    assert_browser_refused(client_for(owner), kind, content_of(case, kind), NOT_A_WORKBOOK[case][1])


@pytest.mark.parametrize("kind", KINDS)
def test_empty_file(tmp_path, client_for, tree, owner, kind):
    assert_cli_refused(tmp_path, kind, b"", "文件是空的")
    response = upload(client_for(owner), kind, b"")
    assert response.status_code == 200
    assert "文件是空的" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_damaged_file_prints_no_traceback_from_a_real_process(tmp_path):
    """The real ``manage.py`` process: exit 1, a Chinese reason, no traceback (it never reaches the DB)."""
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(damaged_bytes("members"))
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "manage.py", "import_xlsx", "members", str(path)], cwd=root,
                          capture_output=True, text=True, check=False,
                          env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1, proc.stderr
    assert "文件已损坏" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- wrong or missing sheets and columns ------------------------------------------------------------

def test_meetings_needs_both_sheets(tmp_path, client_for, tree, owner):
    headers = sheets_of("meetings")
    only_meetings = workbook_bytes({"会议": (headers["会议"], [])})
    assert_cli_refused(tmp_path, "meetings", only_meetings, "缺少工作表“出勤”")
    assert_browser_refused(client_for(owner), "meetings", only_meetings, "缺少工作表“出勤”")
    wrong = workbook_bytes({"Sheet1": (headers["会议"], []), "Sheet2": (headers["出勤"], [])})
    err = assert_cli_refused(tmp_path, "meetings", wrong, ["缺少工作表“会议”", "缺少工作表“出勤”"])
    assert err.count("缺少工作表") == 2


@pytest.mark.parametrize("kind", KINDS)
def test_missing_required_columns_are_all_listed(tmp_path, client_for, tree, owner, kind):
    # Every sheet present, each with only its optional columns (or a stray one).
    optional = {title: [h for h in headers if not h.endswith("*")] or ["备注"] for title, headers in sheets_of(kind).items()}
    content = workbook_bytes({title: (headers, [["x"] * len(headers)]) for title, headers in optional.items()})
    expected = [f"{sheet_prefix(sheet)}{column}：缺少必填列" for sheet, column in required_of(kind)]
    assert_cli_refused(tmp_path, kind, content, expected)
    assert_browser_refused(client_for(owner), kind, content, expected)


@pytest.mark.parametrize("kind", KINDS)
def test_a_sheet_with_nothing_in_it(tmp_path, tree, kind):
    book = Workbook()
    for title in sheets_of(kind):
        book.create_sheet(title)
    book.remove(book.worksheets[0])
    buffer = io.BytesIO()
    book.save(buffer)
    assert_cli_refused(tmp_path, kind, buffer.getvalue(), "工作表是空的，没有表头")


# --- row and size limits ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_fifty_thousand_rows_are_refused_before_the_workbook_is_opened(tmp_path, client_for, tree, owner, kind,
                                                                        monkeypatch):
    """Refused from the raw zip: openpyxl, which would parse every row, is never called (what makes
    it quick; how quick is the benchmark's business)."""
    import branches.importing

    opened = []
    load_workbook = branches.importing.load_workbook
    monkeypatch.setattr(branches.importing, "load_workbook", lambda *a, **kw: opened.append(1) or load_workbook(*a, **kw))
    title, headers = next(iter(sheets_of(kind).items()))
    content = large_workbook_bytes(headers, ["甲"] * len(headers), 50_000, title=title)
    assert_cli_refused(tmp_path, kind, content, "文件共有50000行，超过单次导入上限20000行，请拆分后分批导入")
    assert_browser_refused(client_for(owner), kind, content, "超过单次导入上限20000行")
    assert not opened


def test_row_limit_names_the_sheet_when_there_are_several(tmp_path, tree, settings):
    settings.IMPORT_MAX_ROWS = 3
    headers = sheets_of("meetings")
    content = workbook_bytes({"会议": (headers["会议"], [["x"] * 5] * 2), "出勤": (headers["出勤"], [["y"] * 4] * 4)})
    assert_cli_refused(tmp_path, "meetings", content, "工作表“出勤”共有4行，超过单次导入上限3行")


def test_row_limit_counts_rows_with_values_exactly(tmp_path, tree, settings):
    """At the limit a file goes through the checks (here: its rows are then refused for their content)."""
    settings.IMPORT_MAX_ROWS = 3
    headers = sheets_of("orgs")["Sheet1"]
    at_limit = workbook_bytes({"Sheet1": (headers, [[f"X{i}", "某支部", "支部", "NOPE"] for i in range(3)])})
    err = assert_cli_refused(tmp_path, "orgs", at_limit, "第4行 类型")
    assert "上限" not in err


@pytest.mark.parametrize("kind", KINDS)
def test_over_large_upload(tmp_path, client_for, tree, owner, settings, kind):
    settings.IMPORT_MAX_BYTES = 4096
    headers = next(iter(sheets_of(kind).values()))
    content = workbook_bytes({"Sheet1": (headers, [[f"{n}行{i}列" for i in range(len(headers))] for n in range(300)])})
    assert len(content) > 4096
    assert_cli_refused(tmp_path, kind, content, "KB，超过单次导入上限4KB，请拆分后分批导入")
    response = upload(client_for(owner), kind, content)
    assert response.status_code == 200
    assert "超过单次导入上限" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_size_limit_default_is_ten_megabytes(tmp_path, tree):
    content = b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024)
    assert_cli_refused(tmp_path, "members", content, "文件大小为10MB，超过单次导入上限10MB，请拆分后分批导入")


def test_zip_bomb_is_refused_without_unpacking(tmp_path, tree, monkeypatch):
    from branches import importing

    monkeypatch.setattr(importing, "MAX_UNPACKED_BYTES", 4 * 1024 * 1024)  # 200MB in production
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b" " * (5 * 1024 * 1024))
    assert len(buffer.getvalue()) < 64 * 1024
    assert_cli_refused(tmp_path, "members", buffer.getvalue(), "文件解压后过大")


def test_xml_entity_expansion_is_refused(tmp_path, tree):
    """A 'billion laughs' sheet: refused as damaged (defusedxml), never expanded."""
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(8))
            + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData></worksheet>')
    good = workbook_bytes({"Sheet1": (sheets_of("orgs")["Sheet1"], [])})
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = bomb
    assert_cli_refused(tmp_path, "orgs", zip_of(parts), "文件已损坏")


# --- merged headers and formulas ----------------------------------------------------------------------

def test_merged_header_cell_is_read_from_its_first_column(tmp_path, tree):
    book = Workbook()
    sheet = book.active
    sheet.append(["编码*", None, "名称*", "类型*", "上级编码"])
    sheet.merge_cells("A1:B1")
    sheet.append(["N1", "（合并列，不读取）", "新支部", "党支部", tree["committee"].code])
    path = tmp_path / "merged.xlsx"
    book.save(path)
    code, _, err = cli("orgs", path)
    assert code == 0, err
    unit = OrgUnit.objects.get(code="N1")
    assert unit.name == "新支部" and unit.parent == tree["committee"]


@pytest.mark.parametrize("kind", KINDS)
def test_merged_title_row_above_headers_is_refused(tmp_path, client_for, tree, owner, kind):
    sheets = {}
    for title, headers in sheets_of(kind).items():
        sheets[title] = (["支部台账（2026年）"] + [None] * (len(headers) - 1), [headers, ["x"] * len(headers)])
    content = workbook_bytes(sheets, merge_first_row=True)
    expected = [f"{sheet_prefix(sheet)}{column}：缺少必填列（请使用下载的模板，勿合并表头单元格）"
                for sheet, column in required_of(kind)]
    assert_cli_refused(tmp_path, kind, content, expected)
    assert_browser_refused(client_for(owner), kind, content, expected[0])


FORMULAS = ["=1+1", '=HYPERLINK("http://evil.example/","点此")', "=SUM(A1:A3)"]


@pytest.mark.parametrize("kind", KINDS)
def test_formulas_are_refused_with_row_and_column(tmp_path, client_for, tree, owner, kind):
    sheets = {}
    expected = []
    for title, headers in sheets_of(kind).items():
        rows = [[formula] + ["x"] * (len(headers) - 1) for formula in FORMULAS]
        sheets[title] = (headers, rows)
        sheet = title if len(sheets_of(kind)) > 1 else None
        first = headers[0].rstrip("*")
        expected += [f"{sheet_prefix(sheet)}第{n}行 {first}：不接受公式" for n in (2, 3, 4)]
    content = workbook_bytes(sheets)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:  # openpyxl saved real formulas, without cached values
        assert b"<f>1+1</f>" in archive.read("xl/worksheets/sheet1.xml")
    assert_cli_refused(tmp_path, kind, content, expected)
    assert_browser_refused(client_for(owner), kind, content, expected)


def test_quoted_formula_text_from_an_export_is_read_back_as_text(tmp_path, tree):
    """Exports write ``'+86…``-style text (see branches.exporting.safe_cell); importing takes the quote off."""
    headers = sheets_of("orgs")["Sheet1"]
    content = workbook_bytes({"Sheet1": (headers, [["N1", "'-新支部-", "党支部", tree["committee"].code]])})
    path = tmp_path / "quoted.xlsx"
    path.write_bytes(content)
    assert cli("orgs", path)[0] == 0
    assert OrgUnit.objects.get(code="N1").name == "-新支部-"
