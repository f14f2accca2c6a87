"""Build small workbooks for import tests."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook


def workbook_bytes(sheets: dict[str, tuple[list[str], list[list[Any]]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, (headers, rows) in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_file(headers: list[str], rows: list[list[Any]], title: str = "Sheet1") -> BytesIO:
    return BytesIO(workbook_bytes({title: (headers, rows)}))
