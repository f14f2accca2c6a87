"""Test settings: fast hashing, in-memory e-mail, eager Celery unless REDIS_URL is set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "zhibu-test-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/zhibu-test-media")
AXES_ENABLED = env.bool("AXES_ENABLED", default=False)
ALLOWED_HOSTS = ["*"]

# Tasks run in-process in tests even when REDIS_URL is set; tests marked `celery_worker` start a
# real worker against Redis and switch this off for their duration.
CELERY_TASK_ALWAYS_EAGER = True

# The cache in each test process's memory: a shared one (files, Redis) would be shared by the
# processes of `pytest -n` too. Tests marked `redis` run the cache against REDIS_URL themselves.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "zhibu-test"}}
