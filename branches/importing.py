"""Reading ledgers from Excel, shared by every importer and by the CLI and the browser.

Rules of ``cli.md``: headers matched by name (order free, spaces and full-width characters
tolerated, ``*`` marks required); dates as real Excel dates or ``2026-07-05``, ``2026/7/5``,
``2026年7月5日``; every problem reported as ``第{row}行 {column}：{reason}``; all-or-nothing.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from os import PathLike
from typing import IO, Any, NamedTuple

from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from .text import clean_text


class Problem(NamedTuple):
    """One problem, where it is: the sheet (None: the only one), the row and the column as Excel
    shows them (None: the file or the sheet as a whole)."""

    sheet: str | None
    row: int | None
    column: str | None
    reason: str


@dataclass
class Problems:
    """Every problem found in a file, in the order met: as lines to read (``lines``) and by place
    (``entries``, for the list a user downloads)."""

    lines: list[str] = field(default_factory=list)
    entries: list[Problem] = field(default_factory=list)

    def add(self, row: int | None, column: str | None, reason: str, sheet: str | None = None) -> None:
        prefix = f"{sheet} " if sheet else ""
        if row is None:
            self.lines.append(f"{prefix}{column + '：' if column else ''}{reason}")
        else:
            self.lines.append(f"{prefix}第{row}行 {column or ''}：{reason}")
        self.entries.append(Problem(sheet, row, column, reason))

    def __bool__(self) -> bool:
        return bool(self.lines)


class ImportRefused(Exception):
    """The file was refused: nothing was written. ``problems`` lists every reason, ``entries``
    the same by place (a reason given without one counts as the file's)."""

    def __init__(self, problems: list[str], entries: list[Problem] | None = None):
        super().__init__("\n".join(problems))
        self.problems = problems
        self.entries = entries if entries is not None else [Problem(None, None, None, line) for line in problems]


class CellError(ValueError):
    """A value that cannot be read; the message is the reason shown to the user."""


@dataclass
class Column:
    name: str
    required: bool = False
    help: str = ""
    example: str = ""  # the template's example row
    choices: tuple[str, ...] = ()  # offered as a drop-down list in the template
    unit_codes: tuple[str, ...] = ()  # unit kinds whose codes (the account's own) the drop-down offers

    @property
    def header(self) -> str:
        return f"{self.name}*" if self.required else self.name


@dataclass
class Row:
    number: int  # the row number as Excel shows it
    values: dict[str, Any]

    def get(self, column: str) -> Any:
        return self.values.get(column)


@dataclass
class Sheet:
    name: str
    rows: list[Row]


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what else the import did, said in the summary
    changes: list[str] = field(default_factory=list)  # whom it adds or changes, and what (the first CHANGES_KEPT)
    change_count: int = 0

    def change(self, text: str) -> None:
        """Note one row's change for the preview ("新增 张三（办公室党支部，正式党员）")."""
        self.change_count += 1
        if len(self.changes) < CHANGES_KEPT:
            self.changes.append(text)

    @property
    def summary(self) -> str:
        verb = "将" if self.dry_run else "已"
        text = f"{verb}新增{self.created}条，{verb}更新{self.updated}条，{self.unchanged}条无变化"
        return "；".join([text, *self.notes])


def normalise_header(text: Any) -> str:
    """``' 类型*（党委/党支部）'`` → ``'类型'``."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = re.sub(r"\s+", "", text).replace("*", "")
    return re.sub(r"\(.*\)$", "", text)


def normalise_text(value: Any) -> str:
    """A cell as one line of clean text (``branches.text.clean_text``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)).strip()


def normalise_code(value: Any) -> str:
    return unicodedata.normalize("NFKC", normalise_text(value)).replace(" ", "")


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
]


def parse_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and 1 < value < 2958466:
        return from_excel(value).date()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", text)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                raise CellError(f"日期“{text}”不存在") from exc
    raise CellError(f"无法识别的日期“{text}”，应为 2026-07-05、2026/7/5 或 2026年7月5日")


def parse_month(value: Any) -> dt.date | None:
    """``2026-07`` (or a date) → the first day of that month."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = re.match(r"^(\d{4})[-/年](\d{1,2})月?$", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CellError(f"无法识别的月份“{text}”，应为 YYYY-MM，如 2026-07")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def parse_time(value: Any) -> dt.time | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.datetime):
        return value.time()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = re.match(r"^(\d{1,2})[:：](\d{2})$", text)
    if not match:
        raise CellError(f"无法识别的时间“{text}”，应为 14:30")
    try:
        return dt.time(int(match.group(1)), int(match.group(2)))
    except ValueError as exc:
        raise CellError(f"时间“{text}”不存在") from exc


def parse_decimal(value: Any, *, allow_negative: bool = False) -> Decimal | None:
    if value is None or value == "":
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"“{text}”不是数字") from exc
    if not number.is_finite():
        raise CellError(f"“{text}”不是数字")
    if number < 0 and not allow_negative:
        raise CellError(f"金额不能为负数（{text}）")
    return number


def parse_choice(value: Any, choices: list[str] | tuple[str, ...]) -> str | None:
    text = unicodedata.normalize("NFKC", normalise_text(value))
    if not text:
        return None
    if text not in choices:
        raise CellError(f"“{text}”不是有效选项，应为：{'/'.join(choices)}")
    return text


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHANGES_KEPT = 200  # the changes a preview lists by name; the rest are counted
EXAMPLE_MARK = "【示例】"  # the first cell of a template's example row: the row is skipped on import
TEMPLATE_ROWS = 5000  # the rows of a template that get its drop-down lists
"""Text a spreadsheet may run as a formula (OWASP CSV injection); exports quote it with ``'``."""

NOT_A_WORKBOOK = "文件不是可读取的 Excel 工作簿（.xlsx）。请用 Excel 或 WPS 另存为 .xlsx 后重试。"
DAMAGED = ("文件不是可读取的 Excel 工作簿（.xlsx）：文件已损坏，无法读取其中的工作表。"
           "请用 Excel 或 WPS 打开并另存为 .xlsx 后重试。")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File: .xls, or an encrypted .xlsx
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
# A workbook of IMPORT_MAX_ROWS ledger rows unpacks to a few dozen MB; far more means a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


def _size_text(size: int) -> str:
    if size >= 1048576:
        return f"{size / 1048576:.1f}".removesuffix(".0") + "MB"
    return f"{max(1, round(size / 1024))}KB"


def size_problem(size: int) -> str | None:
    """Why a file of ``size`` bytes is refused before it is opened (shared by the CLI and the form)."""
    limit = settings.IMPORT_MAX_BYTES
    if size == 0:
        return "文件是空的（0 字节），请选择填写好的 Excel 工作簿（.xlsx）。"
    if size > limit:
        return f"文件大小为{_size_text(size)}，超过单次导入上限{_size_text(limit)}，请拆分后分批导入。"
    return None


def _sniff(handle: IO[bytes]) -> str | None:
    """A specific reason when the bytes are plainly not an .xlsx (encrypted, .xls, CSV text)."""
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return None
    if head == _OLE_MAGIC:
        if _ENCRYPTION_STREAM in handle.read():
            handle.seek(0)
            return ("文件不是可读取的 Excel 工作簿（.xlsx）：设置了打开密码（已加密）。"
                    "请在 Excel 或 WPS 中取消密码后另存为 .xlsx 重试。")
        handle.seek(0)
        return ("文件不是可读取的 Excel 工作簿（.xlsx），而是旧版 Excel 97-2003 工作簿（.xls）。"
                "请在 Excel 或 WPS 中另存为 .xlsx 后重试。")
    sample = handle.read(4096)
    handle.seek(0)
    for encoding in ("utf-8-sig", "gb18030"):
        try:  # incremental: a character cut at the end of the sample is not an error
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        if all(ch.isprintable() or ch in "\r\n\t" for ch in text):
            return "文件不是可读取的 Excel 工作簿（.xlsx），而是文本文件（如 CSV）。请在 Excel 或 WPS 中打开后另存为 .xlsx 重试。"
    return NOT_A_WORKBOOK


def _zip_problem(handle: IO[bytes]) -> str | None:
    """A zip that holds no workbook, one that would unpack to far more than a ledger, or a sheet
    with more rows than one import takes. Checked on the raw zip before openpyxl opens it: its
    read-only mode parses a whole sheet at load time when the sheet does not state its size."""
    try:
        with zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
            if any(name.startswith("word/") for name in names):
                return "文件不是可读取的 Excel 工作簿（.xlsx），而是 Word 文档。请上传 .xlsx 文件。"
            if not any(name.startswith("xl/") for name in names):
                return NOT_A_WORKBOOK
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                return "文件解压后过大，不是正常的台账工作簿，请检查后重试。"
            limit = settings.IMPORT_MAX_ROWS
            for name in names:
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    rows = _row_count(archive, name) - 1  # the header
                    if rows > limit:
                        title = _sheet_titles(archive).get(name)
                        prefix = f"工作表“{title}”" if title and len(_sheet_titles(archive)) > 1 else "文件"
                        return f"{prefix}共有{rows}行，超过单次导入上限{limit}行，请拆分后分批导入。"
    finally:
        handle.seek(0)
    return None


def _row_count(archive: zipfile.ZipFile, name: str) -> int:
    """``<row>`` elements in a sheet's XML, counted without parsing a cell (50,000 rows take well
    under a second). Blank rows Excel keeps for their formatting count too; the exact count of
    non-blank rows is made again while reading."""
    count, tail = 0, b""
    with archive.open(name) as xml:
        while chunk := xml.read(1 << 20):
            data = tail + chunk
            cut = data.rfind(b"<")  # a tag cut by the chunk boundary is counted with the next chunk
            cut = len(data) if cut == -1 else cut
            count += len(_ROW_TAG.findall(data, 0, cut))
            tail = data[cut:]
    return count + len(_ROW_TAG.findall(tail))


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet XML part → sheet title, for messages; empty when the workbook XML is unusual."""
    try:
        rels = {rel.get("Id"): rel.get("Target", "") for rel in fromstring(archive.read("xl/_rels/workbook.xml.rels"))}
        titles = {}
        for sheet in fromstring(archive.read("xl/workbook.xml")).iterfind(".//{*}sheet"):
            target = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            path = rels.get(target, "").lstrip("/")
            titles[path if path.startswith("xl/") else f"xl/{path}"] = sheet.get("name", "")
        return titles
    except Exception:  # only decorates a message
        return {}


class Reader:
    """Reads the sheets of one workbook; collects structural problems into ``problems``.

    Anything that is not a readable, reasonably sized .xlsx is refused here with a reason
    (:class:`ImportRefused`), never a traceback: empty, too large, encrypted, .xls, CSV text,
    a zip that is not a workbook, damaged XML, a zip bomb, too many rows. Cells are read with
    openpyxl's streaming read-only mode, so a large sheet never sits in memory."""

    def __init__(self, file: str | IO[bytes]):
        self.problems = Problems()
        self._own_handle = isinstance(file, str | PathLike)
        handle: IO[bytes] = open(file, "rb") if self._own_handle else file  # noqa: SIM115 - closed in close()
        self._handle = handle
        try:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(0)
            reason = size_problem(size) or _sniff(handle)
            if reason is None:
                try:
                    reason = _zip_problem(handle)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError, zlib.error):
                    reason = NOT_A_WORKBOOK
            if reason is not None:
                raise ImportRefused([reason])
            try:
                self.workbook = load_workbook(handle, read_only=True, data_only=False)
            except (InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
                raise ImportRefused([NOT_A_WORKBOOK]) from exc
            except Exception as exc:  # openpyxl meets damaged XML with many exception types
                raise ImportRefused([DAMAGED]) from exc
        except BaseException:
            if self._own_handle:
                handle.close()
            raise

    def close(self) -> None:
        self.workbook.close()
        if self._own_handle:
            self._handle.close()

    def sheet(self, columns: list[Column], name: str | None = None, *, label: str | None = None) -> Sheet | None:
        """Rows of sheet ``name`` (the first sheet when None) keyed by canonical column name."""
        if not self.workbook.worksheets:
            self.problems.add(None, None, "工作簿中没有工作表")
            return None
        if name is None:
            worksheet = self.workbook.worksheets[0]
        else:
            match = [ws for ws in self.workbook.worksheets if normalise_header(ws.title) == normalise_header(name)]
            if not match:
                self.problems.add(None, None, f"缺少工作表“{name}”")
                return None
            worksheet = match[0]
        sheet_label = label if label is not None else name
        limit = settings.IMPORT_MAX_ROWS
        rows = _cells(worksheet)
        header = next(rows, None)
        if header is None:
            self.problems.add(None, None, "工作表是空的，没有表头", sheet_label)
            return None
        wanted = {normalise_header(column.name): column for column in columns}
        positions: dict[str, int] = {}
        for index, cell in enumerate(header):
            key = normalise_header(cell)
            if key in wanted:
                if wanted[key].name in positions:
                    self.problems.add(1, wanted[key].name, "表头重复", sheet_label)
                positions[wanted[key].name] = index
        missing = [column.name for column in columns if column.required and column.name not in positions]
        for column_name in missing:
            self.problems.add(None, column_name, "缺少必填列（请使用下载的模板，勿合并表头单元格）", sheet_label)
        if missing:
            return None
        result: list[Row] = []
        for number, values in enumerate(rows, start=2):
            if all(value is None or str(value).strip() == "" for value in values):
                continue
            if any(isinstance(value, str) and value.startswith(EXAMPLE_MARK) for value in values[:1]):
                continue  # the template's example row
            if len(result) >= limit:  # blank rows aside, the raw count let it through: stop here
                self.problems.add(None, None, f"文件超过单次导入上限{limit}行，请拆分后分批导入", sheet_label)
                return None
            row = {}
            for column_name, index in positions.items():
                value = values[index] if index < len(values) else None
                if isinstance(value, str):
                    if value.startswith("="):
                        self.problems.add(number, column_name, "不接受公式，请粘贴为数值后重试", sheet_label)
                        value = None
                    elif len(value) > 1 and value[0] == "'" and value.startswith(FORMULA_PREFIXES, 1):
                        value = value[1:]  # quoted by our own export (branches.exporting.safe_cell)
                row[column_name] = value
            result.append(Row(number, row))
        return Sheet(sheet_label or worksheet.title, result)


def _cells(worksheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows as values; damaged sheet XML becomes a refusal, not a traceback."""
    rows = worksheet.iter_rows(values_only=True)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # ParseError, ValueError, KeyError, ... from openpyxl's streaming parser
            raise ImportRefused([DAMAGED]) from exc
        yield values


def read_cell(
    problems: Problems, row: Row, column: str, parser: Callable[[Any], Any], *, required: bool = False,
    sheet: str | None = None,
) -> Any:
    """Parse one cell, recording a problem (and returning None) when it is missing or bad."""
    raw = row.get(column)
    try:
        value = parser(raw)
    except CellError as exc:
        problems.add(row.number, column, str(exc), sheet)
        return None
    if required and (value is None or value == ""):
        problems.add(row.number, column, "必填", sheet)
    return value


def duplicate_keys(problems: Problems, rows: list[Row], key: Callable[[Row], Any], column: str,
                   sheet: str | None = None) -> None:
    seen: dict[Any, int] = {}
    for row in rows:
        value = key(row)
        if value in (None, ""):
            continue
        if value in seen:
            problems.add(row.number, column, f"与第{seen[value]}行重复", sheet)
        else:
            seen[value] = row.number


class Importer:
    """Base for the importers: ``validate`` reads every row and collects every problem; ``apply``
    writes through the services. Both run inside one transaction, rolled back on any problem or
    for a dry run, so a refused file never leaves anything behind."""

    kind = ""
    label = ""
    sheets: dict[str | None, list[Column]] = {}

    def validate(self, reader: Reader, *, user: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, plan: Any, result: ImportResult, *, actor: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def run(self, file: str | IO[bytes], *, actor: Any = None, user: Any = None, dry_run: bool = False,
            progress: Callable[[int, str], None] | None = None) -> ImportResult:
        """Validate and write ``file``. ``user`` limits rows to what that account may change
        (the browser); the CLI passes none and may write anywhere. ``progress(percent, what)`` is
        told as each stage starts (a background job shows it)."""
        report = progress or (lambda percent, what: None)
        report(10, "正在读取并逐行校验")
        reader = Reader(file)
        try:
            plan = self.validate(reader, user=user)
        finally:
            reader.close()
        if reader.problems:
            raise ImportRefused(reader.problems.lines, reader.problems.entries)
        result = ImportResult(self.kind, dry_run)
        report(60, "逐行校验已通过，正在试写入（不保存）" if dry_run else "逐行校验已通过，正在写入")
        try:
            with transaction.atomic():
                self.apply(plan, result, actor=actor)
                if dry_run:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            raise ImportRefused([_validation_text(exc)]) from exc
        except RowError as exc:
            raise ImportRefused([str(exc)]) from exc
        return result

    def template(self, units: Sequence[tuple[str, str, str]] = ()) -> bytes:
        """A workbook to fill: the headers (``*`` = required, in red), an example row (marked
        :data:`EXAMPLE_MARK`, skipped on import), drop-down lists for the columns with choices and
        for unit codes (``units``: the account's own ``(code, name, kind)``, listed on a
        “可选编码” sheet), and a sheet of notes."""
        workbook = Workbook()
        first = True
        notes: list[tuple[str, str, str]] = []
        codes = workbook.create_sheet("可选编码") if units else None
        if codes is not None:
            codes.append(["编码", "名称", "类型"])
            for unit in units:
                codes.append(list(unit))
            for letter, width in (("A", 16), ("B", 36), ("C", 10)):
                codes.column_dimensions[letter].width = width
        for name, columns in self.sheets.items():
            worksheet = workbook.active if first else workbook.create_sheet(index=len(workbook.sheetnames) - bool(codes))
            worksheet.title = name or self.label
            first = False
            worksheet.append([column.header for column in columns])
            worksheet.append([f"{EXAMPLE_MARK}{column.example}" if index == 0 else column.example
                              for index, column in enumerate(columns)])
            for index, column in enumerate(columns, start=1):
                cell = worksheet.cell(row=1, column=index)
                cell.font = Font(bold=True, color="FFFFFF" if column.required else "000000")
                cell.fill = PatternFill("solid", fgColor="C00000" if column.required else "F2F2F2")
                worksheet.cell(row=2, column=index).font = Font(italic=True, color="808080")
                letter = cell.column_letter
                worksheet.column_dimensions[letter].width = max(12, len(column.name) * 2 + 4, len(column.example) + 4)
                notes.append((worksheet.title, column.header, column.help))
                listed = self._drop_down(column, units, codes)
                if listed:
                    listed.add(f"{letter}3:{letter}{TEMPLATE_ROWS}")
                    worksheet.add_data_validation(listed)
            worksheet.freeze_panes = "A2"
        info = workbook.create_sheet("填写说明")
        info.append(["工作表", "列", "说明"])
        for row in notes:
            info.append(list(row))
        info.append([])
        info.append(["", "", "带 * 的列为必填；日期可写作 2026-07-05、2026/7/5 或 2026年7月5日。"])
        info.append(["", "", f"第2行是示例（以“{EXAMPLE_MARK}”开头，导入时跳过），可以保留或删除；从第3行起填写。"])
        if codes is not None:
            info.append(["", "", "党组织编码可从下拉列表中选择，也可在“可选编码”工作表或系统的“组织”页面查到。"])
        for letter, width in (("A", 12), ("B", 18), ("C", 80)):
            info.column_dimensions[letter].width = width
        buffer = BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    @staticmethod
    def _drop_down(column: Column, units: Sequence[tuple[str, str, str]], codes: Any) -> DataValidation | None:
        if column.unit_codes and codes is not None:
            if not any(unit[2] in column.unit_codes for unit in units):
                return None
            # every listed code is offered (a list must be one range); an unfit one is refused on import
            formula = f"=可选编码!$A$2:$A${len(units) + 1}"
        elif column.choices and len(",".join(column.choices)) <= 250:  # Excel's limit for a list typed in
            formula = '"' + ",".join(column.choices) + '"'
        else:
            return None
        return DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)


class RowError(Exception):
    """A problem found while writing a row (after validation), already phrased for the user."""


def _validation_text(exc: Any) -> str:
    if hasattr(exc, "message_dict"):
        return "；".join(f"{message}" for messages in exc.message_dict.values() for message in messages)
    return "；".join(exc.messages)


# ---------------------------------------------------------------------------------------------
# Registry: each importer registers under the kind the CLI and the browser use.

_IMPORTERS: dict[str, type] = {}


def register_importer(kind: str) -> Callable[[type], type]:
    def decorator(cls: type) -> type:
        cls.kind = kind
        _IMPORTERS[kind] = cls
        return cls

    return decorator


def importer_for(kind: str) -> Any:
    if kind not in _IMPORTERS:
        raise KeyError(kind)
    return _IMPORTERS[kind]()


def importer_kinds() -> list[str]:
    return list(_IMPORTERS)
