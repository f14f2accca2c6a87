"""Developer laptop: SQLite and in-process Celery unless the environment says otherwise.

``make run`` shows the portal's own 404/403/500 pages, as users see them in production; a
developer who wants Django's debug page (with its traceback and URL list) sets ``DEBUG=1``.
Tracebacks of a 500 go to the console either way (``LOGGING`` in base)."""

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="zhibu-local-development-key-not-for-production")

# Without DEBUG, whitenoise serves the static files; here straight from the app folders (no
# collectstatic, no manifest), picking up edits on the next request.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# No REDIS_URL: exports, reports and imports run in a thread of `runserver`, and their pages show
# the progress bar moving (reports.services.job_queue).
JOBS_IN_THREAD = env.bool("JOBS_IN_THREAD", default=not env("REDIS_URL", default=""))
