"""A test-only exporter that takes its time, for the worker-killed test.

Not imported by the portal or by the test process: a worker started with
``celery worker --include tests.reports.slow_exporter`` registers it. ``SLOW_EXPORT_SECONDS`` in
that worker's environment says how long a render takes.
"""

from __future__ import annotations

import os
import time
from typing import Any

from branches.exporting import CONTENT_TYPES, Exporter, ExportOutput, register_exporter, xlsx_bytes

IDENTIFIER = "slow-test"


@register_exporter
class SlowExporter(Exporter):
    identifier = IDENTIFIER
    label = "慢速测试导出"
    formats = ("xlsx",)

    def render(self, *, unit: Any, period: Any, fmt: str, user: Any) -> ExportOutput:
        time.sleep(float(os.environ.get("SLOW_EXPORT_SECONDS", "0")))
        content = xlsx_bytes([("测试", ["组织", "期间"], [[unit.name, str(period)]])])
        return ExportOutput(self.filename(unit, period, fmt), CONTENT_TYPES["xlsx"], content)
