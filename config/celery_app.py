"""Celery application. With REDIS_URL unset, settings make every task run eagerly in-process."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("zhibu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "term-reminders-daily": {
        "task": "branches.tasks.send_term_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "meeting-reminders-daily": {
        "task": "meetings.tasks.send_meeting_reminders",
        "schedule": crontab(hour=7, minute=40),
    },
    "meeting-compliance-digest-weekly": {
        "task": "meetings.tasks.send_compliance_digest",
        "schedule": crontab(hour=7, minute=50, day_of_week="mon"),
    },
    "reports-fail-stale-jobs": {
        "task": "reports.tasks.fail_stale_jobs",
        "schedule": crontab(minute="*/10"),
    },
    "dues-generate-monthly": {
        "task": "dues.tasks.generate_month",
        "schedule": crontab(day_of_month=1, hour=1, minute=0),
    },
}
