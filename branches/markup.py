"""``unit_options(units, selected)``: the <option>s of an org-unit picker, for the pages' templates.

A committee sees well over a thousand units; rendering them in Python from three columns costs a
fraction of a template loop over model instances, and escaping only the names (ids are integers)
a fraction of ``format_html`` per option.
"""

from __future__ import annotations

import html
from typing import Any

from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

INDENT = "\u3000"  # a 党小组 sits one full-width space under its branch


def unit_options(units: Any, selected: Any = None, *, indent_groups: bool = True, skip_kind: str = "") -> SafeString:
    rows = units.values_list("pk", "name", "kind") if isinstance(units, QuerySet) else [(u.pk, u.name, u.kind) for u in units]
    chosen = getattr(selected, "pk", selected)
    return mark_safe("".join(  # every name is escaped, ids are integers
        f'<option value="{int(pk)}"{" selected" if pk == chosen else ""}>'
        f'{INDENT if indent_groups and kind == "group" else ""}{html.escape(name)}</option>'
        for pk, name, kind in rows if kind != skip_kind
    ))
