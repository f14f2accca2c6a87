"""Celery application. With REDIS_URL unset, settings make every task run eagerly in-process."""

import os
import warnings

from celery import Celery
from celery.exceptions import CPendingDeprecationWarning
from celery.schedules import crontab
from celery.signals import celeryd_after_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("zhibu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_after_setup.connect
def _quiet_cancel_default_warning(**kwargs: object) -> None:
    """The settings choose worker_cancel_long_running_tasks_on_connection_loss (False: a running
    export finishes; its rows are in PostgreSQL, not Redis). Celery still warns at every reconnect
    that the default changes in 6.0. Its logging setup lets every such warning through; this runs
    after that."""
    warnings.filterwarnings("ignore", message=r"\s*In Celery 5\.1 we introduced an optional breaking change",
                            category=CPendingDeprecationWarning)


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
