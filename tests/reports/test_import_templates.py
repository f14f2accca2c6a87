"""Import templates people can fill: an example row (marked, skipped on import), drop-down lists
for the columns with choices and for the account's own unit codes (listed on a sheet of their
own), and notes saying where the codes are."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from branches.importing import EXAMPLE_MARK, importer_for
from members.models import Person
from tests.factories import id_number

KINDS = ["members", "orgs", "meetings", "payments"]


def template(client, kind):
    response = client.get(reverse("reports:import_template", args=[kind]))
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content))


@pytest.mark.parametrize("kind", KINDS)
def test_every_template_has_a_marked_example_row_and_notes(client_for, owner, kind):
    book = template(client_for(owner), kind)
    first = book.worksheets[0]
    assert str(first.cell(row=2, column=1).value).startswith(EXAMPLE_MARK)
    assert all(cell.value for cell in first[2])  # every column shows what goes in it
    notes = [row[2] for row in book["填写说明"].iter_rows(values_only=True)]
    assert any("示例" in (note or "") for note in notes)


def test_the_roster_template_offers_choices_and_the_branchs_own_codes(client_for, owner, tree):
    book = template(client_for(owner), "members")
    codes = [row[0] for row in book["可选编码"].iter_rows(min_row=2, values_only=True)]
    assert tree["branch_a"].code in codes and tree["group_a"].code in codes
    assert tree["branch_b"].code not in codes  # another branch's code is not offered
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    lists = {sheet.cell(row=3, column=headers.index(name) + 1).column_letter: name
             for name in ("人员类别*", "所在党组织编码*", "性别", "党费类别")}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for letter, name in lists.items():
            if f"{letter}3:" in str(validation.sqref):
                found[name] = validation.formula1
    assert "正式党员" in found["人员类别*"] and "可选编码" in found["所在党组织编码*"]
    assert found["性别"] == '"男,女"' and "离退休" in found["党费类别"]


def test_a_filled_template_imports_its_rows_and_skips_the_example(client_for, owner, tree):
    book = template(client_for(owner), "members")
    sheet = book.worksheets[0]
    headers = [cell.value.rstrip("*") for cell in sheet[1]]
    row = dict.fromkeys(headers)
    row.update({"姓名": "王填表", "公民身份号码": id_number(), "人员类别": "正式党员", "所在党组织编码": tree["branch_a"].code,
                "转正日期": "2010-07-01", "接收预备党员日期": "2009-07-01", "党费类别": "在职", "党费基数": "5000"})
    sheet.append([row[name] for name in headers])
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = importer_for("members").run(buffer, user=owner, actor=owner)
    assert result.created == 1
    assert Person.objects.filter(name="王填表").exists() and not Person.objects.filter(name="张建国").exists()
