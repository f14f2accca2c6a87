"""The systemd units in deploy/ run what README.md's production section says, restart whatever
exits, and start the worker as the worker tests do (tests/celery_support.py)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNITS = {"zhibu-web.service": ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn_conf.py"],
         "zhibu-worker.service": ["celery", "-A", "config", "worker"],
         "zhibu-beat.service": ["celery", "-A", "config", "beat"]}


def service_section(name: str) -> dict[str, list[str]]:
    """The [Service] keys of a unit, each with all its values (systemd allows a key more than once)."""
    values: dict[str, list[str]] = {}
    section = None
    for line in (ROOT / "deploy" / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.parametrize("name", UNITS)
def test_each_unit_restarts_and_runs_in_the_project_with_production_settings(name):
    service = service_section(name)
    assert service["Restart"] == ["always"]
    assert service["WorkingDirectory"] == ["/srv/zhibu"]
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in service["Environment"]
    command = shlex.split(service["ExecStart"][0])
    assert command[0] == f"/srv/zhibu/.venv/bin/{UNITS[name][0]}" and command[1:len(UNITS[name])] == UNITS[name][1:]
    assert name.removesuffix(".service") in (ROOT / "README.md").read_text()


def test_the_worker_unit_runs_as_the_worker_tests_do():
    command = shlex.split(service_section("zhibu-worker.service")["ExecStart"][0])
    tested = (ROOT / "tests" / "celery_support.py").read_text()
    for flag in ("--without-gossip", "--without-mingle", "--without-heartbeat", "--concurrency=2"):
        assert flag in command and flag in tested
