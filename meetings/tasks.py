"""Thin Celery tasks run by beat (config/celery_app.py): each calls a reminders service."""

from __future__ import annotations

from celery import shared_task

from branches.models import today

from .reminders import due_reminders_send, weekly_digest_send


@shared_task(acks_late=True)
def send_meeting_reminders() -> int:
    return due_reminders_send(on=today())


@shared_task(acks_late=True)
def send_compliance_digest() -> int:
    return weekly_digest_send(on=today())
