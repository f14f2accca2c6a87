"""gunicorn's settings for the portal: production (``gunicorn -c config/gunicorn_conf.py
config.wsgi``) and ``make load`` read the same file.

One process per core, one thread each. A page is CPU-bound Python (PostgreSQL answers in about a
millisecond on the same machine), so a second thread in a process only waits for the first one's
interpreter lock, and more processes than cores take turns on the cores and evict each other's
caches. On the 2-core machine of ``make load``, on one of its slower days, alternating runs
served 79, 81 and 93 requests a second with 2 processes × 1 thread, against 71, 74 and 76 with
4 × 2 and 74, 73 and 70 with 2 × 2. The gthread worker keeps connections alive between requests,
which the sync worker does not.

What takes seconds runs on the Celery worker, not here: exports, reports and checking and writing
a browser import (``reports/import_jobs.py``). Without ``REDIS_URL`` those run in the request,
so set ``WEB_CONCURRENCY`` higher on a server without Redis.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
threads = 1
worker_class = "gthread"
timeout = 60
