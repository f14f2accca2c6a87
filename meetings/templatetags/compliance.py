"""``{% status_badge rule.status %}``: a compliance status as a badge.

A tag rather than an included template: a year's compliance card shows it on every row.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from meetings.compliance import STATUS_LABELS

register = template.Library()

BADGE = {"met": "text-bg-success", "missing": "text-bg-danger", "due": "text-bg-warning"}


@register.simple_tag
def status_badge(status: str) -> SafeString | str:
    if status not in BADGE:
        return ""
    return format_html('<span class="badge {}">{}</span>', BADGE[status], STATUS_LABELS[status])
