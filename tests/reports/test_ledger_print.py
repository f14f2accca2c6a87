"""Ledgers to print: the 党员花名册 (A4 landscape, one table per branch, masked for those who may
not edit the people) and the month's 党费收缴签字表 (months only, a row per member with what was
paid and when, room to sign); both from the pages' export buttons and the command line."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from docx.enum.section import WD_ORIENT

from branches.exporting import ExportRefused, exporter_for
from branches.periods import Period
from dues.models import DuesDue
from dues.services import dues_generate, payments_record
from tests.dues.helpers import member


def text_of(content: bytes) -> str:
    document = Document(BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture
def people(tree):
    return {
        "a": member(tree["branch_a"], name="张建国", phone="13912345678", birth_date=dt.date(1980, 5, 17)),
        "b": member(tree["branch_b"], name="王二支"),
    }


@pytest.mark.clock("2026-12-05")
def test_the_roster_prints_each_branch_on_landscape_pages(tree, owner, staff, people):
    roster = exporter_for("roster")
    output = roster.render(unit=tree["committee"], period=Period(2026, "year"), fmt="docx", user=None)
    document = Document(BytesIO(output.content))
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    text = text_of(output.content)
    assert "党员花名册" in text and "截至2026年12月31日" in text
    assert "张建国" in text and "王二支" in text and "13912345678" in text and "1980.05" in text
    assert len(document.tables) == 2  # one table per branch
    masked = text_of(roster.render(unit=tree["branch_a"], period=Period(2026, "year"), fmt="docx", user=staff).content)
    assert "张建国" in masked and "13912345678" not in masked and "1980.05" not in masked


@pytest.mark.clock("2026-12-05")
def test_the_dues_sign_sheet_lists_what_each_member_paid_and_when(tree, people):
    month = dt.date(2026, 11, 1)
    dues_generate(actor=None, month=month)
    payments_record(actor=None, person=people["a"], months=[month], paid_on=dt.date(2026, 11, 8))
    sheet = exporter_for("dues-sign")
    text = text_of(sheet.render(unit=tree["branch_a"], period=Period.month_of(month), fmt="docx", user=None).content)
    assert "党费收缴签字表" in text and "本人签字" in text and "收款人（签字）" in text
    assert "张建国" in text and "11.08" in text and "王二支" not in text
    due = DuesDue.objects.get(person=people["a"], month=month).amount
    assert due > 0 and text.count(f"{due:.2f}") >= 2  # 应缴 and 实缴
    with pytest.raises(ExportRefused, match="按月打印"):
        sheet.render(unit=tree["branch_a"], period=Period(2026, "year"), fmt="docx", user=None)


@pytest.mark.clock("2026-12-05")
def test_the_pages_offer_both_printouts(client_for, owner, tree, people):
    client = client_for(owner)
    assert 'value="roster"' in client.get(reverse("members:list")).content.decode()
    sheet = client.get(reverse("dues:sheet", args=[tree["branch_a"].pk, "2026-11"])).content.decode()
    assert 'value="dues-sign"' in sheet and 'value="2026-11"' in sheet
