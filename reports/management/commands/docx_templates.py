"""``manage.py docx_templates [--out DIR]``: write the Word templates of the work report and the
meeting record from the 公文 layout in ``branches.gongwen``.

Without ``--out`` it regenerates the templates shipped with the portal (a developer's step after
changing the layout); with ``--out`` it writes copies for an installation to edit and then use
through ``WORD_TEMPLATE_DIR``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from meetings import documents
from reports import workreport_docx


class Command(BaseCommand):
    help = "生成工作报告、会议记录的 Word 模板（可交党委办公室修改版头、主送机关、落款）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="写到此目录（供 WORD_TEMPLATE_DIR 使用）；缺省覆盖随系统发布的模板")

    def handle(self, *args: Any, out: Path | None = None, **options: Any) -> None:
        for build, shipped, name in ((workreport_docx.build_template, workreport_docx.TEMPLATE_DIR,
                                      workreport_docx.TEMPLATE_NAME),
                                     (documents.build_template, documents.TEMPLATE_DIR, documents.TEMPLATE_NAME)):
            folder = out or shipped
            folder.mkdir(parents=True, exist_ok=True)
            build().save(str(folder / name))
            self.stdout.write(f"已生成 {folder / name}")
