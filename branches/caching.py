"""Versions of what the pages' cached summaries read, kept in Django's cache.

A summary that is costly at committee scale (a subtree's compliance, the order of the 发展
pipeline, a home's unit tree and to-dos, a committee's sums) is kept with ``cache.get_or_set``
(computed on every view, the committee home takes 0.8 s at 500 branches against its budget of
0.3 s: docs/performance.md) under a key that holds the current version of each subject it reads::

    key = caching.versioned_key("branch-grid", root.pk, period, on, subjects=("units", "people", "meetings"))
    grid = cache.get_or_set(key, lambda: compute(root, period, on))

Every service that writes a subject calls :func:`bump`, which gives the subject a new version:
the next page reads under a new key and computes afresh, however the service wrote (a model's
``save``, ``bulk_create``, ``update`` or raw SQL, with history or without). Old entries are not
deleted; they expire. Entries and versions live for the cache's default timeout (Django's 300 s),
which also bounds how long a write made outside the services (a shell, a data migration) can go
unseen.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

# What the summaries read, one subject for a family of records and the services that write them:
# units (org units, officers, terms), people (people, memberships, 发展 steps), meetings (meetings,
# attendance, talks, compliance rules), dues (bases, amounts due, payments, remittances), points
# (points sheets), scorecards.
SUBJECTS = ("units", "people", "meetings", "dues", "points", "scorecards")


def _version_key(subject: str) -> str:
    if subject not in SUBJECTS:
        raise ValueError(f"unknown cache subject {subject!r} (branches.caching.SUBJECTS)")
    return f"zhibu:version:{subject}"


def _new_version() -> str:
    # Random rather than counted: a version lost from the cache (evicted, expired, a restart of
    # LocMem) is never handed out again, so no old entry can be read under it.
    return secrets.token_hex(8)


def cache_versions(subjects: Iterable[str]) -> list[str]:
    """The current version of each subject (one cache read; a subject without one gets one)."""
    keys = [_version_key(subject) for subject in subjects]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            version = _new_version()
            if not cache.add(key, version):  # another process added one first: take theirs
                version = cache.get(key, version)
            found[key] = version
    return [found[key] for key in keys]


def cache_version(subject: str) -> str:
    return cache_versions([subject])[0]


def versioned_key(name: str, *parts: object, subjects: Iterable[str]) -> str:
    """The cache key of summary ``name`` for ``parts`` (its arguments: unit, period, day, the
    viewer's scope), under the current versions of the ``subjects`` it reads."""
    subjects = tuple(subjects)
    identity = "\x00".join(map(str, (*subjects, *cache_versions(subjects), *parts)))
    return f"zhibu:{name}:{hashlib.sha256(identity.encode()).hexdigest()[:32]}"


def bump(*subjects: str) -> None:
    """New versions of ``subjects``: the summaries that read them are computed again on their next
    read. Called by the services that write, at once (what the rest of the transaction reads) and
    again once the transaction commits (a page computed meanwhile, from the records as they were
    before the commit, would otherwise be kept under the new version)."""
    keys = [_version_key(subject) for subject in subjects]

    def renew() -> None:
        cache.set_many({key: _new_version() for key in keys})

    renew()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(renew, robust=True)
