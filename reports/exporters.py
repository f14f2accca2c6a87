"""Running an export for a user: the scope check and the log of exports holding personal data.

The exporters themselves and their registry are ``branches.exporting``; each app registers its own.
"""

from __future__ import annotations

from typing import Any

from branches import access
from branches.exporting import ExportOutput, ExportRefused, exporter_for
from branches.models import OrgUnit
from branches.periods import Period

from .models import ExportLog


def run_export(
    *, identifier: str, unit: OrgUnit, period: Period, fmt: str, user: Any, via: str, actor: str = "",
) -> ExportOutput:
    """Render an export after checking the user may see ``unit`` (``user=None``: the CLI, where
    ``actor`` names the operating-system account). Exports holding personal data are logged."""
    exporter = exporter_for(identifier)
    if fmt not in exporter.formats:
        raise ExportRefused(f"{exporter.label}只能导出为：{'、'.join(exporter.formats)}")
    if user is not None and not access.can_view(user, unit):
        raise ExportRefused("您无权导出该组织的数据。")
    output = exporter.render(unit=unit, period=period, fmt=fmt, user=user)
    if exporter.personal_data:
        ExportLog.objects.create(
            user=user, actor=user.get_username() if user is not None else (actor or "cli"), exporter=identifier,
            org_code=unit.code, period=str(period), via=via, masked=not exporter.full_personal_data(user, unit),
        )
    return output
