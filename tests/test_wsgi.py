"""The WSGI entry point gunicorn serves (config/wsgi.py)."""

import json
import os
import subprocess
import sys

from django.conf import settings


def test_the_application_loads_with_what_is_loaded_frozen():
    """Checked in a fresh interpreter: freezing belongs to the serving process, not to the tests."""
    code = ("import gc, json; from config.wsgi import application; "
            "print(json.dumps([callable(application), gc.get_threshold()[0], gc.get_freeze_count()]))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    out = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                         text=True, check=True, timeout=120)
    loaded, threshold, frozen = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded
    assert threshold == 700  # Python's own thresholds
    assert frozen > 100_000  # Django, the apps and pypinyin's dictionaries, out of full collections
