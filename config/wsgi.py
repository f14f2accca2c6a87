"""The WSGI application (gunicorn ``config.wsgi``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
# What is loaded (Django, the apps, pypinyin's 200,000 lists) left out of full collections: p95 of
# the committee home 375–501 ms without, 125–187 ms with, budget 300 ms (docs/performance.md).
gc.freeze()
