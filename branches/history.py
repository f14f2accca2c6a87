"""Change history (django-simple-history) shaped for the detail pages."""

from __future__ import annotations

from typing import Any


def history_rows(records: Any) -> list[dict[str, Any]]:
    """Each historical version with who, when, and the fields that changed from the one before."""
    rows = []
    for record in records:
        previous = record.prev_record
        changes = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                field = record.instance_type._meta.get_field(change.field)
                changes.append({"field": str(field.verbose_name), "old": change.old, "new": change.new})
        rows.append({"record": record, "changes": changes})
    return rows
