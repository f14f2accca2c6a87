"""The printable 会议记录 (meetings/documents.py): dates as read in Beijing."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from docx import Document

from meetings import services
from meetings.documents import meeting_record_docx
from meetings.models import MeetingKind, MeetingStatus
from tests.factories import make_person

from .conftest import held

pytestmark = pytest.mark.django_db


@pytest.mark.clock("2026-12-05T05:03:00+08:00")  # 2026-12-04 21:03 UTC
def test_an_amendment_is_dated_on_the_day_in_beijing(tree, owner):
    make_person(tree["branch_a"])
    meeting = held(tree["branch_a"], MeetingKind.GENERAL, dt.date(2026, 12, 1), status=MeetingStatus.DRAFT,
                   minutes="原内容")
    services.meeting_confirm(actor=owner, meeting=meeting)
    services.meeting_amend(actor=owner, meeting=meeting, reason="笔误", minutes="更正后")
    text = "\n".join(p.text for p in Document(BytesIO(meeting_record_docx([meeting]))).paragraphs)
    assert "2026年12月5日" in text and "2026年12月4日" not in text
