"""What several meeting pages share: the section, the ``?unit=`` and ``?period=`` parameters, a form's crumbs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from branches import access
from branches.models import OrgUnit

from ..models import Meeting

SECTION = "meetings"


def unit_param(request: HttpRequest, *, default_home: bool = True) -> OrgUnit | None:
    """``?unit=`` (404 when outside the scope), else the user's first home unit."""
    value = request.GET.get("unit", "")
    if value:
        return access.unit_for_view(request.user, value)
    if default_home:
        homes = access.home_units(request.user)
        return homes[0] if homes else None
    return None


def form_page(meeting: Meeting) -> dict[str, Any]:
    """Breadcrumbs and the cancel link for a form about one meeting."""
    detail = reverse("meetings:detail", args=[meeting.pk])
    return {"cancel_url": detail, "crumbs": [("会议台账", reverse("meetings:list")), (meeting.topic, detail)]}
