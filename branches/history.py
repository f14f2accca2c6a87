"""Change history (django-simple-history) shaped for the detail pages: who, when, and each
changed field as people read it (a person's or an account's name, not its id; a choice's Chinese
label, not its code; （空） for nothing)."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Field, ForeignKey, Model, QuerySet


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
                changes.append({"field": str(field.verbose_name), "old": change.old, "new": change.new,
                                "model_field": field})
        rows.append({"record": record, "changes": changes})
    _readable(rows)
    return rows


def _name(obj: Model) -> str:
    """An account by the name the portal shows for it, anything else by its ``str()``."""
    if isinstance(obj, get_user_model()):
        return obj.first_name or obj.get_username()
    return str(obj)


def _readable(rows: list[dict[str, Any]]) -> None:
    """Replace each change's raw values by what a person reads, in place: the names behind the
    foreign keys are read in one query per related model, and only when such a field changed."""
    wanted: dict[type[Model], set[Any]] = defaultdict(set)
    for row in rows:
        for change in row["changes"]:
            if isinstance(change["model_field"], ForeignKey):
                wanted[change["model_field"].related_model].update(
                    value for value in (change["old"], change["new"]) if value is not None)
    names = {model: {obj.pk: _name(obj) for obj in model._base_manager.filter(pk__in=pks)}
             for model, pks in wanted.items()}
    for row in rows:
        for change in row["changes"]:
            field = change.pop("model_field")
            change["old"], change["new"] = (_shown(field, value, names) for value in (change["old"], change["new"]))


def _shown(field: Field, value: Any, names: dict[type[Model], dict[Any, str]]) -> Any:
    """One value as the history panel shows it; ``None`` for nothing (the panel shows （空）).
    Dates stay dates: the page shows them localised, in the local time zone."""
    if value is None or value == "":
        return None
    if isinstance(field, ForeignKey):
        return names[field.related_model].get(value, f"（已删除，编号{value}）")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return value
