"""``status_badge(status)``: a compliance status as a badge, for the pages' templates."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString

from meetings.compliance import STATUS_LABELS

BADGE = {"met": "text-bg-success", "missing": "text-bg-danger", "due": "text-bg-warning"}


def status_badge(status: str) -> SafeString | str:
    if status not in BADGE:
        return ""
    return format_html('<span class="badge {}">{}</span>', BADGE[status], STATUS_LABELS[status])
