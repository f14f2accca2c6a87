"""Helpers for the meetings tests: record meetings quickly, with or without the confirm step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from branches.models import OrgUnit
from meetings.models import Meeting, MeetingStatus
from meetings.services import meeting_create


def held(unit: OrgUnit, kind: str, day: dt.date, *, status: str = MeetingStatus.CONFIRMED, **fields: Any) -> Meeting:
    """A meeting of ``kind`` held by ``unit`` on ``day`` (confirmed unless told otherwise).

    The engine tests use dates in any year, so the confirm service's "not in the future" check is
    bypassed here; the services tests exercise ``meeting_confirm`` itself."""
    meeting = meeting_create(actor=None, unit=unit, kind=kind, date=day, topic=fields.pop("topic", "学习会"), **fields)
    if status != MeetingStatus.DRAFT:
        Meeting.objects.filter(pk=meeting.pk).update(status=status)
        meeting.refresh_from_db()
    return meeting


@pytest.fixture
def hold():
    return held
