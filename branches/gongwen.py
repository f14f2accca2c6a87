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
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

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
TEXT_WIDTH_MM = 210 - MARGINS_MM["left"] - MARGINS_MM["right"]  # 156 mm
TITLE_LINE_WIDTH = 20  # 2号 characters on a 156 mm line (442 pt / 22 pt)
RED = RGBColor(0xE6, 0x00, 0x12)  # the 版头's red


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
    # Paragraphs without a style of ours (table cells, footers) get fixed spacing, not Word's 1.15.
    ppr = defaults.find(qn("w:pPrDefault") + "/" + qn("w:pPr"))
    if ppr is not None:
        spacing = ppr.find(qn("w:spacing"))
        if spacing is None:
            spacing = OxmlElement("w:spacing")
            ppr.append(spacing)
        for key, value in (("w:before", "0"), ("w:after", "0"), ("w:line", str(round(LINE_PITCH.pt * 20))),
                           ("w:lineRule", "exact")):
            spacing.set(qn(key), value)
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


def title(document: DocumentType, text: str | Sequence[str]) -> Paragraph:
    """A centred 2号 title; a list of lines (see ``title_lines``) is kept in one paragraph with a
    line break between lines, so each line is centred on its own."""
    para = document.add_paragraph(style="Title")
    set_lines(para, [text] if isinstance(text, str) else text)
    return para


def set_lines(para: Paragraph, lines: Sequence[str]) -> None:
    """Replace ``para``'s text by ``lines`` separated by line breaks, in its first run's format."""
    first = para.runs[0]._r if para.runs else None
    for run in para._p.r_lst:
        para._p.remove(run)
    run = para.add_run()
    if first is not None and first.rPr is not None:
        run._r.insert(0, copy.deepcopy(first.rPr))
    for index, line in enumerate(lines):
        if index:
            run.add_break()
        run.add_text(xml_safe(line))


# Where a unit's name may break inside itself, after one of these words (a secondary break point).
_NAME_WORDS = re.compile(
    r"中国共产党|工作委员会|委员会|党委|党总支|总支部|党支部|机关|集团|公司|大学|学院|学校|医院|中心"
    r"|研究院|研究所|办公室|管理局"
)


def _name_words(phrase: str) -> list[str]:
    cuts = [m.end() for m in _NAME_WORDS.finditer(phrase) if 1 < m.end() < len(phrase) - 1]
    return [phrase[a:b] for a, b in zip([0, *cuts], [*cuts, len(phrase)], strict=True)]


def display_width(text: str) -> float:
    """Width in full-width characters: ASCII letters and digits take half a character, and Word
    and LibreOffice put a quarter character between Chinese text and a number (autoSpaceDN)."""
    width, previous = 0.0, ""
    for char in text:
        wide = ord(char) >= 0x2E80
        width += 1 if wide else 0.5
        if previous and wide != (ord(previous) >= 0x2E80) and (previous if wide else char).isalnum():
            width += 0.25
        previous = char
    return width


def title_lines(*phrases: str, width: float = TITLE_LINE_WIDTH) -> list[str]:
    """Break a title into lines at meaningful places (GB/T 9704 7.2.4: 词意完整，排列对称，梯形或菱形).

    ``phrases`` are the title's meaningful parts in order (say the unit's name and "2026年度党建
    工作报告"); the title breaks preferably between them, then inside a unit's name after a word
    such as 委员会 or 党支部, and never inside a word unless a single word is longer than a line.
    Among the fewest lines that fit, the best break points win, then the shape: 上短下长 (a
    trapezoid) for two lines, the middle line longest (a diamond) for three, then balance.
    """
    tokens: list[tuple[str, int]] = []  # (text, penalty of breaking before it)
    for index, phrase in enumerate(p for p in phrases if p):
        words = _name_words(phrase)
        for position, word in enumerate(words):
            while display_width(word) > width:  # a word longer than a line: cut it where it must be
                cut = _fit(word, width)
                tokens.append((word[:cut], 0 if position == 0 and index else 5))
                word, position = word[cut:], position + 1
            tokens.append((word, (0 if index else 9) if position == 0 else 2))
    if not tokens:
        return [""]
    best: tuple[Any, ...] | None = None
    count = len(tokens)
    for mask in range(1 << (count - 1)):  # every way of cutting the tokens into lines (few tokens)
        lines, penalty, current = [], 0, tokens[0][0]
        for position in range(1, count):
            if mask >> (position - 1) & 1:
                lines.append(current)
                penalty += tokens[position][1]
                current = tokens[position][0]
            else:
                current += tokens[position][0]
        lines.append(current)
        widths = [display_width(line) for line in lines]
        if max(widths) > width:
            continue
        shape = 0
        if len(widths) == 2:
            shape = 0 if widths[0] <= widths[1] else 1
        elif len(widths) >= 3:
            shape = 0 if widths[len(widths) // 2] == max(widths) else 1
        key = (len(lines), penalty, shape, max(widths) - min(widths))
        if best is None or key < best[0]:
            best = (key, lines)
    assert best is not None  # every token fits a line, so cutting after each one always fits
    return best[1]


def _fit(text: str, width: float) -> int:
    total = 0.0
    for index, char in enumerate(text):
        total += display_width(char)
        if total > width:
            return max(index, 1)
    return len(text)


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
            if (isinstance(value, int | float) or str(value).replace(".", "", 1).rstrip("%").isdigit()
                    or value in ("—", "-", "")):
                paragraph.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
    if widths_mm is None and isinstance(rows, Sequence):
        widths_mm = column_widths(headers, rows, size=size)
    if widths_mm:
        fix_widths(grid, widths_mm)
    return grid


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, size: Pt = TABLE_SIZE,
                  total_mm: float = TEXT_WIDTH_MM) -> list[float]:
    """Widths that fill the text block, each column as wide as its longest entry needs (a header
    on one line, long text wrapping in the widest columns), so no column is squeezed."""
    char_mm = size.pt * 25.4 / 72
    padding = 4.5  # the cell's left and right margins (1.9 mm each) and a little air
    needs = []
    for column, header in enumerate(headers):
        values = ["" if row[column] is None else str(row[column]) for row in rows[:200]]
        longest = max([display_width(str(header))] + [display_width(value) for value in values])
        # Numbers, dates and codes do not break well: the column keeps room for them whole.
        # (0.6 a character: wider than 仿宋's half-width digits, so a fallback font fits too)
        unbreakable = [0.6 * len(v) for v in values if v.isascii() and " " not in v and len(v) <= 12]
        floor = max([display_width(str(header)), *unbreakable]) * char_mm + padding
        needs.append((max(floor, longest * char_mm + padding), floor))
    wanted = sum(need for need, _ in needs)
    if wanted <= total_mm:
        return [need + (total_mm - wanted) * need / wanted for need, _ in needs]
    # Too wide: keep every column its header's width and share the rest by what each wants beyond it.
    floors = sum(floor for _, floor in needs)
    spare = max(total_mm - floors, 0)
    extra = sum(need - floor for need, floor in needs) or 1
    return [floor + spare * (need - floor) / extra for need, floor in needs]


def fix_widths(grid: Table, widths_mm: Sequence[float]) -> None:
    """Fixed column widths written everywhere Word and LibreOffice read them (the table's width,
    its grid columns and each cell), so LibreOffice does not squeeze a column to its own taste."""
    twips = [round(Mm(width).twips) for width in widths_mm]
    tbl_pr = grid._tbl.tblPr
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(sum(twips)))
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    for column, value in zip(grid._tbl.tblGrid.gridCol_lst, twips, strict=False):
        column.set(qn("w:w"), str(value))
    for tr in grid._tbl.tr_lst:
        for tc, value in zip(tr.tc_lst, twips, strict=False):
            tc_pr = tc.get_or_add_tcPr()
            cell_width = tc_pr.find(qn("w:tcW"))
            if cell_width is None:
                cell_width = OxmlElement("w:tcW")
                tc_pr.insert(0, cell_width)
            cell_width.set(qn("w:type"), "dxa")
            cell_width.set(qn("w:w"), str(value))


def _cells(grid: Table, row: Any) -> list[Any]:
    """A row's cells straight from its XML: python-docx's ``row.cells`` walks every cell of the
    table, which makes a table of hundreds of rows quadratic."""
    return [_Cell(tc, grid) for tc in row._tr.tc_lst]


def _cell_text(cell: Any, text: str, font: str, size: Pt, *, center: bool) -> None:
    para = cell.paragraphs[0]
    no_grid_snap(para)
    para.paragraph_format.first_line_indent = Pt(0)
    para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    para.paragraph_format.line_spacing = Pt(round(size.pt * 1.5))  # fixed, as the body's
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    set_font(para.add_run(text), font, size)


def signature(document: DocumentType, org_name: str, day: dt.date) -> None:
    """Signature block after a blank line (see ``signature_lines``)."""
    document.add_paragraph()
    signature_lines(document.add_paragraph(), document.add_paragraph(), org_name, chinese_date(day))


def signature_lines(name_para: Paragraph, date_para: Paragraph, org_name: str, date_text: str) -> None:
    """A signature without a seal (GB/T 9704 7.3.5.2): the organisation's name two characters from
    the right edge, the date on the next line starting two characters further right than the name;
    a date longer than that allows sits two characters from the edge and pushes the name left."""
    name_width, date_width = display_width(org_name), display_width(date_text)
    name_right, date_right = 2.0, name_width - date_width
    if date_right < 2:
        date_right, name_right = 2.0, date_width + 4 - name_width
    for para, text, indent in ((name_para, org_name, name_right), (date_para, date_text, date_right)):
        set_lines(para, [text])
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.paragraph_format.first_line_indent = Pt(0)
        para.paragraph_format.right_indent = Pt(BODY_SIZE.pt * indent)


def landscape(document: DocumentType, margin_mm: float = 15) -> None:
    """A4 landscape with narrow margins, for a ledger to print and sign rather than a 公文."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(margin_mm))
    section.footer_distance = Mm(margin_mm / 2)


def keep_with_body(name_para: Paragraph, lines: int = 1) -> None:
    """Keep the signature on the page of the body's last ``lines`` text paragraphs (with the 附件
    note between them): GB/T 9704 7.3.5.3 wants no signature alone on a page."""
    name_para.paragraph_format.keep_with_next = True
    element, found = name_para._p.getprevious(), 0
    while element is not None and element.tag == qn("w:p") and found < lines:
        para = Paragraph(element, name_para._parent)
        para.paragraph_format.keep_with_next = True
        found += bool(para.text.strip())
        element = element.getprevious()


def banner(document: DocumentType, issuer: str) -> Paragraph:
    """The 版头: the issuing organisation's name in red 小标宋, centred, over a red rule across the
    text block (发文机关标志 and 分隔线, GB/T 9704 7.2.3 and 7.2.5)."""
    para = document.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.first_line_indent = Pt(0)
    para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    para.paragraph_format.line_spacing = Pt(40)
    para.paragraph_format.space_after = LINE_PITCH
    no_grid_snap(para)
    run = para.add_run(xml_safe(issuer))
    set_font(run, TITLE_FONT, Pt(30))
    run.font.color.rgb = RED
    ppr = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "12"), ("w:color", str(RED))):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.insert_element_before(borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
                              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                              "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                              "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
    return para


def fit_line(para: Paragraph, largest: float = 30) -> None:
    """Shrink a one-line paragraph's font (the 版头's name) so it stays on one line of the text
    block: a long unit name must not wrap."""
    width = display_width(para.text)
    if not width:
        return
    size = Pt(min(largest, int(TEXT_WIDTH_MM * 72 / 25.4 / (width + 0.5))))
    for run in para.runs:
        run.font.size = size


def recipient(document: DocumentType, name: str) -> Paragraph:
    """The 主送机关 line: flush left under the title, ending with a full-width colon."""
    return paragraph(document, f"{name}：", indent=False)


def attachment_note(document: DocumentType, titles: Sequence[str]) -> None:
    """``附件：1. …`` after the body, a blank line before it, two characters in; further names
    aligned with the first name (GB/T 9704 7.3.6)."""
    if not titles:
        return
    document.add_paragraph()
    for index, name in enumerate(titles, start=1):
        number = f"{index}. " if len(titles) > 1 else ""
        para = document.add_paragraph(xml_safe(f"{'附件：' if index == 1 else ''}{number}{name}"))
        para.alignment = WD_ALIGN_PARAGRAPH.LEFT
        if index == 1:
            para.paragraph_format.left_indent = Pt(BODY_SIZE.pt * 5)
            para.paragraph_format.first_line_indent = Pt(-BODY_SIZE.pt * 3)
        else:
            para.paragraph_format.left_indent = Pt(BODY_SIZE.pt * 5)
            para.paragraph_format.first_line_indent = Pt(0)


def attachment(document: DocumentType, number: int | None, name: str) -> None:
    """An attachment's first lines on a new page: ``附件1`` in 黑体 at the top left, its title
    centred on the third line (GB/T 9704 7.3.7)."""
    label = document.add_paragraph()
    label.paragraph_format.page_break_before = True
    label.paragraph_format.first_line_indent = Pt(0)
    label.alignment = WD_ALIGN_PARAGRAPH.LEFT
    set_font(label.add_run("附件" + (str(number) if number else "")), HEADING1_FONT, BODY_SIZE)
    document.add_paragraph().paragraph_format.first_line_indent = Pt(0)
    head = title(document, title_lines(name))
    head.paragraph_format.space_after = Pt(0)
    document.add_paragraph().paragraph_format.first_line_indent = Pt(0)


def properties(document: DocumentType, *, title: str, author: str, when: dt.datetime) -> None:
    """The file's properties: its title, the unit as author, made now; none of python-docx's
    defaults (author "python-docx", 2013, a blank thumbnail)."""
    props = document.core_properties
    utc = when.astimezone(dt.UTC).replace(tzinfo=None)  # core.xml holds UTC (W3CDTF "…Z")
    props.title, props.author, props.last_modified_by = xml_safe(title), xml_safe(author), xml_safe(author)
    props.subject = props.keywords = props.comments = props.category = ""
    props.created = props.modified = utc
    props.revision = 1
    drop_thumbnail(document)
    app = document.part.package.part_related_by(RT.EXTENDED_PROPERTIES)
    app._blob = re.sub(rb"<Application>[^<]*</Application>", "<Application>支部台账</Application>".encode(),
                       app.blob)
    app._blob = re.sub(rb"<Company\s*/>|<Company>[^<]*</Company>",
                       f"<Company>{xml_escape(xml_safe(author))}</Company>".encode(), app._blob)


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def drop_thumbnail(document: DocumentType) -> None:
    """Remove the package's thumbnail (python-docx's default file carries a blank one)."""
    rels = document.part.package.rels
    for key, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del rels[key]


# --- templates: a .docx a committee edits, with {{占位符}} paragraphs the code fills -----------------

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


def template_path(filename: str, shipped_dir: Path) -> Path:
    """``filename`` from ``settings.WORD_TEMPLATE_DIR`` when the installation keeps its own copy
    there, else the one shipped with the portal."""
    own = getattr(settings, "WORD_TEMPLATE_DIR", None)
    if own and (Path(own) / filename).is_file():
        return Path(own) / filename
    return shipped_dir / filename


def open_template(path: Path) -> DocumentType:
    return Document(str(path))


def body_paragraphs(document: DocumentType) -> list[Paragraph]:
    return [Paragraph(p, document._body) for p in document.element.body.iter(qn("w:p"))]


def placeholders(para: Paragraph) -> list[str]:
    return PLACEHOLDER.findall(para.text)


def find(document: DocumentType, name: str) -> Paragraph | None:
    """The first paragraph holding ``{{name}}``."""
    return next((p for p in body_paragraphs(document) if name in placeholders(p)), None)


def fill(para: Paragraph, values: Mapping[str, str]) -> None:
    """Replace ``{{name}}`` by its value in a paragraph, keeping the first run's format even when
    Word split the placeholder over several runs; an unknown placeholder is left as it is."""
    text = para.text
    filled = PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    if filled != text:
        set_lines(para, filled.split("\n"))


def fill_all(document: DocumentType, values: Mapping[str, str]) -> None:
    """Fill placeholders everywhere: body, tables, headers and footers."""
    parts = [document.element.body]
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header,
                     section.footer, section.first_page_footer, section.even_page_footer):
            if not part.is_linked_to_previous:
                parts.append(part._element)
    for root in parts:
        for p in root.iter(qn("w:p")):
            para = Paragraph(p, document._body)
            if PLACEHOLDER.search(para.text):
                fill(para, values)


def remove(para: Paragraph) -> None:
    para._p.getparent().remove(para._p)


def insert_at(document: DocumentType, marker: Paragraph, build: Callable[[DocumentType], Any]) -> None:
    """Run ``build`` (which adds paragraphs and tables at the end, as every helper here does) and
    move what it added to where ``marker`` stands, then drop the marker."""
    body = document.element.body
    before = set(body.iterchildren())
    build(document)
    for element in [e for e in body.iterchildren() if e not in before and e.tag != qn("w:sectPr")]:
        marker._p.addprevious(element)
    remove(marker)


def clear_body(document: DocumentType) -> None:
    """Drop every paragraph and table, keeping the section (page setup, footers)."""
    body = document.element.body
    for element in list(body.iterchildren()):
        if element.tag != qn("w:sectPr"):
            body.remove(element)
def page_break(document: DocumentType) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def to_bytes(document: DocumentType) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
