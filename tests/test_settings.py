"""Production settings: secrets have no default, and `check --deploy` is clean."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, check=False)


def test_check_deploy_is_clean():
    proc = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(50),
                  ALLOWED_HOSTS="zhibu.example.cn")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_production_refuses_to_start_without_secret_key():
    proc = manage("check", ALLOWED_HOSTS="zhibu.example.cn")
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stderr


LOCAL_PAGES = """
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
missing = client.get("/no-such-page/")
print("RESULT", missing.status_code, "未找到该页面" in missing.content.decode(), "URLconf" in missing.content.decode(),
      client.get("/static/css/zhibu.css").status_code)
"""


def test_make_run_shows_the_portals_own_error_pages(tmp_path):
    """``make run`` (local settings) answers a missing page with the styled Chinese 404, not
    Django's debug page listing the URL patterns, and still serves the static files without
    collectstatic; ``DEBUG=1`` brings the debug page back for a developer."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    assert subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=False).returncode == 0

    def pages(**extra: str) -> list[str]:
        proc = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", LOCAL_PAGES], cwd=ROOT,
                              env={**env, **extra}, capture_output=True, text=True, check=False)
        result = [line for line in proc.stdout.splitlines() if line.startswith("RESULT")]
        assert result, proc.stdout + proc.stderr
        return result[0].split()[1:]

    assert pages() == ["404", "True", "False", "200"]
    assert pages(DEBUG="1")[:3] == ["404", "False", "True"]
