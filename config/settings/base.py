"""Settings shared by every environment. Values that differ per machine come from the environment."""

import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "simple_history",
    "axes",
    "branches",
    "members",
    "meetings",
    "dues",
    "reports",
    "benchmarks",  # on top of the apps: `manage.py bench` and `manage.py loadtest`
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last of the libraries', as django-axes asks
    "config.login_guard.refuse_locked_address",  # needs axes' request attributes (the client address)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# The pages are plain Jinja2 through Django's own backend (config/jinja.py): a page's table renders
# several times faster than with Django's engine (docs/performance.md). Django's engine draws what
# third-party apps bring (the admin, crispy-forms' fields).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "config.jinja.environment",
            "keep_trailing_newline": True,  # an included template ends as it did under Django's engine
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "branches.context_processors.navigation",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # make run: a job writing in a thread of runserver while pages read and save sessions. WAL lets
    # readers go on beside the writer; IMMEDIATE transactions and a timeout make writers queue
    # instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20})
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles any query its planner prices high — the roster's correlated
    # subqueries, say — spending seconds to save milliseconds. Pages here are short queries.
    # Nor parallel workers: starting one costs more than a branch's query, and under many users
    # the cores are busy anyway. Storage is SSD: an index lookup is not four times a sequential
    # read (without this a branch's dues scan every payment). The committee-wide dues sums hash
    # a year of payments: give them room not to spill to disk.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1 -c work_mem=32MB")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Sessions live in the database (they survive a restart and a cache that is emptied or down);
# a copy kept in the cache saves a query on every request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The cache holds the sessions' copies and the pages' costly summaries (branches/caching.py: a
# committee's compliance, a few hundred KB; a secretary's to-dos, a few KB), under versions that
# the services bump when they write. Every process that writes must reach the versions every page
# reads, so the cache is one all processes share: Redis when REDIS_URL is set; otherwise files
# under var/cache, shared by gunicorn's workers, the Celery tasks (in-process without Redis) and
# management commands on this machine. Not LocMem: each process would keep its own versions, and
# a write in one worker would leave the other workers' pages stale. Not the database cache: a
# table to create, and a query for every cache read. Keys carry the database, so two databases
# served from one machine do not mix. A Redis that is down or hangs must not take the pages with
# it: django-redis ignores its errors (a miss: the page computes afresh, the session is read from
# the database) and gives up on a hung socket within a second.
REDIS_URL = env("REDIS_URL", default="")  # the cache's and Celery's (below)
_db = DATABASES["default"]
_CACHE_PREFIX = f"{_db.get('USER') or ''}@{_db.get('HOST') or ''}:{_db.get('PORT') or ''}/{_db['NAME']}"
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": _CACHE_PREFIX,
                          "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1}}}
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True  # a lost cache is logged, not silent
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(BASE_DIR / "var" / "cache"),  # the portal's own folder, not a guessable one in /tmp
                          "KEY_PREFIX": _CACHE_PREFIX, "OPTIONS": {"MAX_ENTRIES": 5000}}}

# django-axes first, as it documents: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "config.hashers.OwaspArgon2PasswordHasher",  # Argon2id at OWASP's cost; its algorithm name is Django's "argon2"
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Background work: without REDIS_URL tasks run in-process so a laptop needs nothing else.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Without a broker a job can run in a thread of the web process, so its page shows the progress
# (config/settings/local.py turns it on for make run; tests run jobs inline).
JOBS_IN_THREAD = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# The worker keeps trying to reach Redis however long it is away — at startup and after losing it
# mid-run, every 2, 4, … up to 30 seconds (Celery's default of 100 tries gives up after about 45
# minutes, and the worker then exits). A task that is running when Redis goes away runs to the
# end: its job's rows are in PostgreSQL, not in Redis (Celery 6 would cancel it by default).
# config.broker.Transport keeps Celery 5.7's reconnect from ending the worker (see there).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# (Only for redis://: kombu gives rediss:// its TLS defaults by the scheme, which naming a transport
# would bypass.)
CELERY_BROKER_TRANSPORT = "config.broker:Transport" if REDIS_URL.startswith("redis://") else None
# A page that queues a job must fail in seconds when Redis is down or hung, not after kombu's
# default retries and a socket with no timeout: one quick retry, bounded connect and read.
# (The worker reconnects on its own terms: broker_connection_max_retries.) A job whose worker
# died mid-run (acks_late) is handed to the next worker after the visibility timeout, which must
# be longer than the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # A connection that a firewall or a failover left half-open is found by TCP keepalive and by
    # redis-py's and kombu's checks every 25 seconds (kombu 5.7 checks the consumer's BRPOP too).
    "socket_keepalive": True,
    "health_check_interval": 25,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
}
# A worker stamps a running job's heartbeat every JOB_HEARTBEAT_INTERVAL seconds, from a thread
# and a database connection of its own, so also while the job's work holds one long transaction
# open (a browser import's write). A running job whose heartbeat is three intervals old (90 s) has
# lost its worker: it is marked failed as interrupted and its owner is offered a retry
# (reports.services.jobs_fail_stale). A queued job that no worker took for JOB_STALE_AFTER is
# failed too: a queue may be long, so that wait is generous.
JOB_HEARTBEAT_INTERVAL = env.int("JOB_HEARTBEAT_INTERVAL", default=30)
JOB_STALE_AFTER = env.int("JOB_STALE_AFTER", default=3600)
# Where `manage.py backup` writes by default (and `restore` keeps the safety copy).
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(BASE_DIR / "backups")))
# An installation's own Word templates (work_report.docx, meeting_record.docx: 版头, 主送机关,
# signature block); a file missing there falls back to the one shipped with the portal.
WORD_TEMPLATE_DIR = env("WORD_TEMPLATE_DIR", default="") or None
CELERY_BEAT_SCHEDULE: dict = {}  # filled in config/celery_app.py

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="zhibu@localhost")

# The proxies whose X-Forwarded-For is believed (config/login_guard.py): addresses or ranges,
# comma-separated. Behind the README's nginx on the same machine, loopback. Every other client's
# X-Forwarded-For is ignored, so nobody can choose the address a lockout is counted against.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
try:
    _trusted = [ipaddress.ip_network(entry, strict=False) for entry in TRUSTED_PROXIES]
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc

# django-axes: five wrong passwords lock an account from that address (the same account from
# another address is not locked), and LOGIN_ADDRESS_FAILURE_LIMIT failures lock an address
# whatever the usernames, refused before any password is hashed (config/login_guard.py). Failures
# during a lock are not counted, so the wait it shows is the wait there is.
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "config.login_guard.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.login_guard.client_ip"
AXES_HANDLER = "config.login_guard.LoginGuardHandler"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)

# django-csp: everything is served from this host (vendored assets, no CDN). Scripts only from
# files: no inline <script>, no on…= handlers, no javascript: URLs (tests/test_security.py checks
# the templates). Styles allow 'unsafe-inline' for the style="" attributes that size charts and
# progress bars and for htmx's indicator <style>; a style cannot run code.
CSP_DEFAULT_SRC = ("'self'",)
CSP_SCRIPT_SRC = ("'self'",)
CSP_STYLE_SRC = ("'self'", "'unsafe-inline'")
CSP_IMG_SRC = ("'self'", "data:")
CSP_FONT_SRC = ("'self'", "data:")
CSP_FRAME_ANCESTORS = ("'none'",)
CSP_OBJECT_SRC = ("'none'",)
CSP_BASE_URI = ("'self'",)
CSP_FORM_ACTION = ("'self'",)

# Money: amounts are rounded half-up to this quantum (党费 convention, a setting on purpose).
MONEY_QUANTUM = "0.01"

# Largest workbook accepted by the importers, by the CLI and the browser alike: rows per sheet
# (the benchmark imports 10,000 members at once) and file size (nginx's client_max_body_size is 12m).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
