"""Thin Celery tasks run by beat (config/celery_app.py): each calls a reminders service.

``on`` (ISO date) is for tests and catch-up runs; beat leaves it out and the day is today."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from branches.models import today

from .reminders import due_reminders_send, weekly_digest_send


def _day(on: str | None) -> dt.date:
    return dt.date.fromisoformat(on) if on else today()


@shared_task(acks_late=True)
def send_meeting_reminders(on: str | None = None) -> int:
    return due_reminders_send(on=_day(on))


@shared_task(acks_late=True)
def send_compliance_digest(on: str | None = None) -> int:
    return weekly_digest_send(on=_day(on))
