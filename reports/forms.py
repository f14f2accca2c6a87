"""Forms of the import pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from branches.importing import size_problem


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="Excel 工作簿（.xlsx）", allow_empty_file=True)  # size_problem says why

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError("请上传 .xlsx 格式的 Excel 工作簿（可在 Excel 或 WPS 中“另存为”）。")
        problem = size_problem(upload.size)
        if problem:
            raise ValidationError(problem)
        return upload
