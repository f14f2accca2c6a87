"""Build small workbooks for import tests."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook


def workbook_bytes(sheets: dict[str, tuple[list[str], list[list[Any]]]], *, merge_first_row: bool = False) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, (headers, rows) in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        if merge_first_row:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_file(headers: list[str], rows: list[list[Any]], title: str = "Sheet1") -> BytesIO:
    return BytesIO(workbook_bytes({title: (headers, rows)}))


def _cell_xml(value: Any) -> str:
    from xml.sax.saxutils import escape

    if isinstance(value, int | float):
        return f"<c><v>{value}</v></c>"
    return f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def large_workbook_bytes(headers: list[str], row: list[Any], count: int, title: str = "Sheet1") -> bytes:
    """A one-sheet .xlsx with ``count`` copies of ``row`` under ``headers``, written as raw XML:
    50,000 rows take a fraction of a second (openpyxl's write-only mode needs several). Like files
    from openpyxl, the sheet states no ``<dimension>``."""
    import zipfile

    body = "".join(_cell_xml(value) for value in row)
    sheet = "".join([
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
        "<row>", "".join(_cell_xml(value) for value in headers), "</row>",
        f"<row>{body}</row>" * count,
        "</sheetData></worksheet>",
    ])
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()
