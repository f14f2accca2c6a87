"""The one module that knows the 公文 layout (GB/T 9704-2012) for Word documents.

A4 portrait; margins top 37, bottom 35, left 28, right 26 mm; 22 lines of 28 characters; title
2号 方正小标宋简体; body 3号 仿宋_GB2312 with a 2-character first-line indent; level-1 headings
黑体, level-2 楷体_GB2312, levels 3–4 仿宋_GB2312; page numbers 4号 宋体 ``— 1 —``, odd pages
right and even pages left, one character in. Fonts are named as the East Asian font with the
East Asian language zh-CN, so the readers' Word or WPS uses them.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell

from .periods import chinese_date
from .text import xml_safe

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
TITLE_SIZE = Pt(22)  # 2号
BODY_SIZE = Pt(16)  # 3号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(12)  # 小四
LINE_PITCH = Pt(28.95)  # 225 mm / 22 lines
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


def set_font(target: Any, name: str, size: Pt | None = None, *, bold: bool | None = None) -> None:
    """Set Latin and East Asian font (and zh-CN East Asian language) on a style or a run."""
    target.font.name = name
    if size is not None:
        target.font.size = size
    if bold is not None:
        target.font.bold = bold
    element = target.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _exact_spacing(paragraph_format: Any) -> None:
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = LINE_PITCH
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)


def new_document() -> DocumentType:
    """An empty document with the page, grid, styles and footers of GB/T 9704."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(28) - Mm(7)  # the page number sits 7 mm below the text block
    _document_grid(section)

    normal = document.styles["Normal"]
    set_font(normal, BODY_FONT, BODY_SIZE, bold=False)
    _exact_spacing(normal.paragraph_format)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    normal.paragraph_format.first_line_indent = Pt(32)  # two characters of 3号
    for style_name, font, bold in (("Heading 1", HEADING1_FONT, False), ("Heading 2", HEADING2_FONT, False),
                                   ("Heading 3", BODY_FONT, True), ("Heading 4", BODY_FONT, False)):
        style = document.styles[style_name]
        set_font(style, font, BODY_SIZE, bold=bold)
        style.font.italic = False
        style.font.color.rgb = None
        _exact_spacing(style.paragraph_format)
        style.paragraph_format.first_line_indent = Pt(32)
        style.paragraph_format.keep_with_next = True
    title = document.styles["Title"]
    set_font(title, TITLE_FONT, TITLE_SIZE, bold=False)
    title.font.color.rgb = None
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = LINE_PITCH
    _strip_title_border(title)
    no_grid_snap(title)
    _page_numbers(document)
    _document_language(document)
    return document


def _document_grid(section: Any) -> None:
    """22 lines a page: a line grid with the 28.95 pt pitch.

    Characters are laid out at their own 3号 width (27–28 to the 156 mm line). A character grid
    (``linesAndChars``) would force exactly 28, but LibreOffice then gives every 16 pt glyph two
    15.8 pt cells and prints 14 characters a line, so the document would not preview correctly.
    """
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))
    grid.attrib.pop(qn("w:charSpace"), None)


def no_grid_snap(paragraph_or_style: Any) -> None:
    """Lay text out at its own line height instead of the 28.95 pt body grid (titles, tables and
    page numbers are not 3号 body text)."""
    element = paragraph_or_style.element if hasattr(paragraph_or_style, "element") else paragraph_or_style._p
    ppr = element.get_or_add_pPr()
    snap = ppr.find(qn("w:snapToGrid"))
    if snap is None:
        snap = OxmlElement("w:snapToGrid")
        ppr.append(snap)
    snap.set(qn("w:val"), "0")


def _strip_title_border(style: Any) -> None:
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)


def _page_number_paragraph(footer: Any, align: WD_ALIGN_PARAGRAPH) -> None:
    paragraph = footer.paragraphs[0]
    no_grid_snap(paragraph)
    paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = Pt(0)
    indent = Pt(14)  # one character of 4号
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = indent
    else:
        paragraph.paragraph_format.left_indent = indent
    set_font(paragraph.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    run = paragraph.add_run()
    set_font(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            value = OxmlElement("w:t")
            value.text = text
            run._r.append(value)
    set_font(paragraph.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


def _page_numbers(document: DocumentType) -> None:
    """Odd pages right, even pages left (different odd/even footers)."""
    settings = document.settings.element
    if settings.find(qn("w:evenAndOddHeaders")) is None:
        settings.append(OxmlElement("w:evenAndOddHeaders"))
    section = document.sections[0]
    _page_number_paragraph(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_paragraph(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def _document_language(document: DocumentType) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        return
    rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is None:
        return
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    # Text without an explicit size (e.g. empty paragraphs) is 3号 too.
    size = rpr.find(qn("w:sz"))
    if size is None:
        size = OxmlElement("w:sz")
        rpr.append(size)
    size.set(qn("w:val"), str(int(BODY_SIZE.pt * 2)))
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is not None:
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
        fonts.set(qn("w:eastAsia"), BODY_FONT)


def title(document: DocumentType, text: str) -> None:
    document.add_paragraph(xml_safe(text), style="Title")


def heading(document: DocumentType, text: str, level: int = 1) -> None:
    document.add_paragraph(xml_safe(text), style=f"Heading {level}")


def paragraph(document: DocumentType, text: str, *, indent: bool = True, align: Any = None) -> Any:
    para = document.add_paragraph(xml_safe(text))
    if not indent:
        para.paragraph_format.first_line_indent = Pt(0)
    if align is not None:
        para.alignment = align
    return para


def labelled(document: DocumentType, label: str, text: str) -> None:
    """A body paragraph that starts with a 黑体 label: ``主题：……``."""
    para = document.add_paragraph()
    set_font(para.add_run(f"{label}："), HEADING1_FONT, BODY_SIZE)
    para.add_run(xml_safe(text or "") or "无")


def table(document: DocumentType, headers: Sequence[str], rows: Iterable[Sequence[Any]],
          widths_mm: Sequence[float] | None = None, size: Pt = TABLE_SIZE) -> Table:
    """A bordered table in 仿宋 小四 whose header row repeats on every page."""
    grid = document.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    header_row = grid.rows[0]
    tr_pr = header_row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, text in zip(header_row.cells, headers, strict=True):
        _cell_text(cell, xml_safe(str(text)), HEADING1_FONT, size, center=True)
    # Body rows are copies of one formatted row with the text filled in: formatting every cell
    # through python-docx costs a millisecond a cell, seconds for a committee's 500 branches.
    template = None
    for values in rows:
        if template is None:
            row = grid.add_row()
            for cell in _cells(grid, row):
                _cell_text(cell, "", BODY_FONT, size, center=False)
            template = row._tr
            grid._tbl.remove(template)
        tr = copy.deepcopy(template)
        grid._tbl.append(tr)
        for tc, value in zip(tr.tc_lst, values, strict=True):
            paragraph = tc.p_lst[0]
            paragraph.r_lst[0].text = "" if value is None else xml_safe(str(value))
            if isinstance(value, int | float) or str(value).replace(".", "", 1).rstrip("%").isdigit():
                paragraph.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
    if widths_mm:
        for row in grid.rows:
            for cell, width in zip(_cells(grid, row), widths_mm, strict=False):
                cell.width = Mm(width)
    return grid


def _cells(grid: Table, row: Any) -> list[Any]:
    """A row's cells straight from its XML: python-docx's ``row.cells`` walks every cell of the
    table, which makes a table of hundreds of rows quadratic."""
    return [_Cell(tc, grid) for tc in row._tr.tc_lst]


def _cell_text(cell: Any, text: str, font: str, size: Pt, *, center: bool) -> None:
    para = cell.paragraphs[0]
    no_grid_snap(para)
    para.paragraph_format.first_line_indent = Pt(0)
    para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    set_font(para.add_run(text), font, size)


def signature(document: DocumentType, org_name: str, day: dt.date) -> None:
    """Signature block: org name and Chinese date, right-aligned, four characters from the edge."""
    document.add_paragraph()
    for text in (org_name, chinese_date(day)):
        para = document.add_paragraph(xml_safe(text))
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.paragraph_format.first_line_indent = Pt(0)
        para.paragraph_format.right_indent = Pt(64)


def landscape(document: DocumentType, margin_mm: float = 15) -> None:
    """A4 landscape with narrow margins, for a ledger to print and sign rather than a 公文."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(margin_mm))
    section.footer_distance = Mm(margin_mm / 2)


def page_break(document: DocumentType) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def to_bytes(document: DocumentType) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
