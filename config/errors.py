"""The portal's own error pages where Django's default would say nothing useful."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 with the reason: Django's default page does not show it, and a person who chose a
    period that does not exist should be told which and why."""
    reason = str(exception) if exception.args else ""
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"reason": reason}, request))
