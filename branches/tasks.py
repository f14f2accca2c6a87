"""Celery: 换届 reminders (beat) at 6, 3 and 1 months before a term ends and when it is overdue."""

from __future__ import annotations

from celery import shared_task

from .models import today
from .services import send_term_reminders_on


@shared_task
def send_term_reminders() -> int:
    return send_term_reminders_on(today())
