"""Change history (django-simple-history) shaped for the detail pages."""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Model, QuerySet


@functools.cache
def historical_model(model: type[Model]) -> type[Model]:
    return model.history.model  # type: ignore[attr-defined]


def versions_of(obj: Model) -> QuerySet[Any]:
    """``obj.history.all()``: its versions, newest first. ``obj.history`` builds a manager class
    on every access (django-simple-history), which costs a detail page more than its query."""
    return historical_model(type(obj)).objects.filter(**{obj._meta.pk.attname: obj.pk})


def history_rows(records: Any, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` historical versions of ``records`` (one object's history, newest
    first) with who, when, and the fields that changed from the one before.

    One query: each version's previous one is the next older version read alongside it (one more
    than shown is read for the oldest), where ``record.prev_record`` would query per version."""
    versions = list(records[: limit + 1])
    rows = []
    for index, record in enumerate(versions[:limit]):
        # prev_record: the latest version strictly older than this one
        previous = next((older for older in versions[index + 1:] if older.history_date < record.history_date), None)
        if previous is None and len(versions) > limit:  # it may lie beyond what was read
            previous = record.prev_record
        changes = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                field = record.instance_type._meta.get_field(change.field)
                changes.append({"field": str(field.verbose_name), "old": change.old, "new": change.new})
        rows.append({"record": record, "changes": changes})
    return rows
