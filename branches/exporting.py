"""One registry of exporters, used by the web's download buttons and ``manage.py export``, and the
spreadsheet writer every exporter uses.

An exporter takes an org unit (its whole subtree is in scope), a period and a format, and
renders ``ExportOutput(filename, content_type, content)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import access
from .importing import FORMULA_PREFIXES
from .models import OrgUnit
from .periods import Period
from .text import xml_safe

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
}


@dataclass
class ExportOutput:
    filename: str
    content_type: str
    content: bytes


class Exporter:
    identifier = ""
    label = ""
    formats: tuple[str, ...] = ("xlsx",)
    personal_data = False  # exports holding ID numbers or phones are logged

    def full_personal_data(self, user: Any, unit: OrgUnit) -> bool:
        """Whether ID numbers and phones go out in full: to those who may edit the people (as on
        the pages) and to the command line (``user`` None); masked for everyone else."""
        return user is None or access.can_edit(user, unit)

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:  # pragma: no cover
        raise NotImplementedError

    def filename(self, unit: OrgUnit, period: Period, fmt: str) -> str:
        return f"{unit.code}_{self.label}_{period.label}.{fmt}"


_EXPORTERS: dict[str, Exporter] = {}


def register_exporter(cls: type[Exporter]) -> type[Exporter]:
    _EXPORTERS[cls.identifier] = cls()
    return cls


def exporter_for(identifier: str) -> Exporter:
    return _EXPORTERS[identifier]


def exporters() -> list[Exporter]:
    return list(_EXPORTERS.values())


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula: text starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP), which the importers
    take off again, so a roster still round-trips. Numbers, negative ones included, stay numbers."""
    if isinstance(value, str):
        value = xml_safe(value)  # a record stored before text was cleaned must not break the file
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def xlsx_bytes(sheets: Iterable[tuple[str, list[str], Iterable[Iterable[Any]]]],
               widths: dict[str, list[int]] | None = None) -> bytes:
    """A workbook of ``(title, headers, rows)`` sheets, streamed with openpyxl's write-only mode.
    Every exporter writes its spreadsheets here, so every header and cell goes through
    :func:`safe_cell`."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        worksheet = workbook.create_sheet(title=title)
        for index, width in enumerate((widths or {}).get(title, []), start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(worksheet, value=safe_cell(header))
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="F2DCDB")
            cell.alignment = Alignment(horizontal="center")
            header_cells.append(cell)
        worksheet.append(header_cells)
        for row in rows:
            worksheet.append([safe_cell(value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class ExportRefused(Exception):
    """The export cannot be produced (wrong format, out of scope); the message says why."""
