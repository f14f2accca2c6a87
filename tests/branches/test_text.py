"""Text at the edge: stored clean, and exported safely even when it was stored before."""

import datetime as dt
from io import BytesIO

import pytest
from docx import Document
from openpyxl import load_workbook

from branches.exporting import exporter_for, xlsx_bytes
from branches.periods import Period
from branches.text import clean_text, xml_safe
from meetings import services as meeting_services
from meetings.documents import meeting_record_docx
from meetings.models import Meeting, MeetingKind
from members import services as member_services
from members.models import Person
from tests.factories import make_person

HOSTILE = "张三\x07\x1b[31m\u202eexe.txt"  # no NUL: PostgreSQL cannot store one, so no old row holds it


def test_clean_text_keeps_words_and_drops_controls_and_bidi_overrides():
    assert clean_text("会议\x07纪要\u202e") == "会议纪要"
    assert clean_text("e\u0301") == "\u00e9"  # NFC
    assert clean_text("第一行\r\n第二行\t完", multiline=True) == "第一行\n第二行\t完"
    assert clean_text("第一行\n第二行\t完") == "第一行 第二行 完"
    assert xml_safe("a\x00b\x0bc\ud800d") == "abcd"


@pytest.mark.django_db
def test_services_store_clean_text(tree):
    person = make_person(tree["branch_a"])
    member_services.person_update(actor=None, person=person, ethnicity="汉族\x07\u202e", position="科员\x1b")
    person.refresh_from_db()
    assert (person.ethnicity, person.position) == ("汉族", "科员")
    meeting = meeting_services.meeting_create(actor=None, unit=tree["branch_a"], kind=MeetingKind.GENERAL,
                                              date=dt.date(2026, 3, 5), topic="学习\x1b", minutes="一\x07\r\n二")
    meeting.refresh_from_db()
    assert (meeting.topic, meeting.minutes) == ("学习", "一\n二")


@pytest.mark.django_db
def test_text_stored_before_the_rules_cannot_break_an_export(tree):
    """Old rows may hold control characters: the members and meetings exports and the meeting's
    Word record still write (openpyxl and python-docx refuse such characters)."""
    person = make_person(tree["branch_a"])
    meeting = meeting_services.meeting_create(actor=None, unit=tree["branch_a"], kind=MeetingKind.GENERAL,
                                              date=dt.date(2026, 3, 5), topic="学习")
    Person.objects.filter(pk=person.pk).update(name=HOSTILE, ethnicity="\x1b")
    Meeting.objects.filter(pk=meeting.pk).update(topic=HOSTILE, minutes=HOSTILE, place="\x07")
    period = Period.parse("2026Q1")
    for identifier in ("members", "meetings"):
        output = exporter_for(identifier).render(unit=tree["committee"], period=period, fmt="xlsx", user=None)
        values = {c.value for s in load_workbook(BytesIO(output.content)).worksheets for r in s.iter_rows() for c in r}
        assert any(isinstance(v, str) and v.startswith("张三") for v in values), identifier
    document = Document(BytesIO(meeting_record_docx([Meeting.objects.get(pk=meeting.pk)])))
    assert any("张三" in p.text for p in document.paragraphs)
    assert xlsx_bytes([("表", ["标题\x07"], [["值\x00"]])])
