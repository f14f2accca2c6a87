"""Summaries that are costly at committee scale (the compliance of a subtree, the order of the
发展 pipeline, each home's unit tree, a secretary's to-dos, a committee's sums and the length of
its long lists), kept in the cache until the records they read change.

A summary's change stamp is the newest django-simple-history id of each model it reads. Every
write goes through the services, which record history (bulk writes through
``bulk_create_with_history``), so the stamp moves with every change, and reading it is one indexed
query. A model derived from others and kept without history (the amounts due, regenerated rather
than edited) is stamped by its newest indexed ``updated_at`` instead.

When the stamp has moved the summary is computed again, but the previous result may be reused
for a moment proportional to what it cost (``SUMMARY_REUSE_PER_COST``): at 500 branches someone
records something every few seconds, and the committee's overview may trail by a few seconds
rather than recompute on every view. A summary of a small committee costs milliseconds, so it
is as good as live.

A page that is only read (GET; ``branches.middleware.summary_stamps``) reads each model's stamp
once, and a view that knows which summaries it will show reads their stamps together first
(:func:`read_ahead`): the home page shows three or four, each of which read its own. A value
computed later in the request may be newer than its stamp; that only makes the next view
compute it again.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import Model

from .history import historical_model

T = TypeVar("T")

REUSE_PER_COST = 50  # a summary that took 0.1 s may be reused for 5 s after a change (setting SUMMARY_REUSE_PER_COST)
MAX_REUSE_SECONDS = 30
# Bounds what a stamp cannot see: a history row committed out of id order (a long import ending
# after a quick edit), or ids handed out again after a restore.
KEEP_SECONDS = 120
logger = logging.getLogger(__name__)
CACHE = "summaries"  # a cache of its own (config/settings/base.py): sessions are not evicted for it


_page_stamps: ContextVar[dict[type[Model], object] | None] = ContextVar("page_stamps", default=None)


@contextmanager
def stamps_per_page() -> Iterator[None]:
    """Within it, each model's stamp is read once."""
    token = _page_stamps.set({})
    try:
        yield
    finally:
        _page_stamps.reset(token)


def read_ahead(models: Iterable[type[Model]]) -> None:
    """Read, in one query, the stamps of the summaries a page is about to show (only within
    :func:`stamps_per_page`; elsewhere each summary reads its own as it is asked for)."""
    page = _page_stamps.get()
    if page is not None:
        missing = tuple(dict.fromkeys(model for model in models if model not in page))
        if missing:
            page.update(zip(missing, _read_stamps(missing), strict=True))


def change_stamp(models: Sequence[type[Model]]) -> tuple[object, ...]:
    """The newest history id of each model (models with ``HistoricalRecords``), or the newest
    ``updated_at`` of a model without history (it must be indexed), in one query."""
    page = _page_stamps.get()
    if page is None:
        return _read_stamps(tuple(models))
    read_ahead(models)
    return tuple(page[model] for model in models)


def _read_stamps(models: tuple[type[Model], ...]) -> tuple[object, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql(models))
        return tuple(cursor.fetchone())


@functools.cache
def _stamp_sql(models: tuple[type[Model], ...]) -> str:
    quote = connection.ops.quote_name

    def newest(model: type[Model]) -> str:
        if hasattr(model, "history"):
            return f"(SELECT MAX(history_id) FROM {quote(historical_model(model)._meta.db_table)})"
        column = model._meta.get_field("updated_at").column  # FieldDoesNotExist: nothing to stamp it by
        return f"(SELECT MAX({quote(column)}) FROM {quote(model._meta.db_table)})"

    return "SELECT " + ", ".join(newest(model) for model in models)


def cached(name: str, key: tuple[object, ...], models: Sequence[type[Model]], compute: Callable[[], T]) -> T:
    """``compute()``, or its result from the cache while none of ``models`` has changed since."""
    cache_key = ":".join(["zhibu", "summary", name, *map(str, key)])
    stamp = change_stamp(models)
    store = caches[CACHE]
    try:
        entry = store.get(cache_key)
    except Exception:  # an unreadable entry (a full disk, a class changed by a deploy) is a miss
        logger.warning("summary cache: cannot read %s", cache_key, exc_info=True)
        entry = None
    now = time.time()
    if entry is not None:
        old_stamp, computed_at, cost, value = entry
        reuse_for = min(cost * getattr(settings, "SUMMARY_REUSE_PER_COST", REUSE_PER_COST), MAX_REUSE_SECONDS)
        if old_stamp == stamp or now - computed_at < reuse_for:
            return value
    started = time.perf_counter()
    value = compute()
    try:
        store.set(cache_key, (stamp, now, time.perf_counter() - started, value), KEEP_SECONDS)
    except Exception:  # the page is shown all the same; the next view computes it again
        logger.warning("summary cache: cannot write %s", cache_key, exc_info=True)
    return value
