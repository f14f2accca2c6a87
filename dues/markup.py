"""``rate(value)``: a 收缴率 percentage, coloured by how close it is to 100%, for the pages' templates."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def rate(value: Decimal | None) -> SafeString:
    if value is None:
        return mark_safe('<span class="text-muted">—</span>')
    colour = "text-success" if value >= 100 else "text-body" if value >= 90 else "text-danger"
    return format_html('<span class="fw-semibold {}">{}%</span>', colour, localize(value))
