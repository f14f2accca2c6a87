"""The portal's own middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import summaries


def summary_stamps(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """A page that is only read (GET, HEAD) reads each summary's change stamp once
    (:func:`branches.summaries.stamps_per_page`); a request that writes reads them as it goes."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return get_response(request)
        with summaries.stamps_per_page():
            return get_response(request)

    return middleware
