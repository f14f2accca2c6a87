"""gunicorn's settings (config/gunicorn_conf.py), read as gunicorn reads them."""

import os
import runpy

from django.conf import settings
from gunicorn.config import Config

CONF = str(settings.BASE_DIR / "config" / "gunicorn_conf.py")


def load() -> Config:
    config = Config()
    for name, value in runpy.run_path(CONF).items():
        if name in config.settings:
            config.set(name, value)  # gunicorn's own validation of each value
    return config


def test_one_process_per_core_one_thread_each(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = load()
    assert (config.workers, config.threads, config.worker_class_str) == (os.cpu_count(), 1, "gthread")
    assert config.bind == ["127.0.0.1:8001"]


def test_processes_and_address_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "6")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9000")
    config = load()
    assert (config.workers, config.bind) == (6, ["127.0.0.1:9000"])
