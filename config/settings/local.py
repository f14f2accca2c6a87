"""Developer laptop: SQLite and in-process Celery unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="zhibu-local-development-key-not-for-production")
