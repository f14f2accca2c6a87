"""Browser imports: upload → check (a job) → preview with the first problems and a workbook of them all →
confirm → write (a job)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import access
from branches.importing import importer_kinds

from .. import import_jobs
from ..forms import ImportUploadForm
from ..import_run import LABELS, importer_for_user
from ..models import ImportBatch
from ..services import BackgroundUnavailable, jobs_fail_stale

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _importer(request: HttpRequest, kind: str) -> Any:
    try:
        return importer_for_user(request.user, kind)
    except KeyError:
        raise Http404("未知的导入类型") from None


@require_GET
@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    importer = _importer(request, kind)
    units = access.editable_units(request.user) if kind != "orgs" else access.visible_units(request.user)
    codes = [(unit.code, unit.name, unit.get_kind_display())
             for unit in units.filter(archived_on__isnull=True).order_by("path")]
    response = HttpResponse(importer.template(codes), content_type=XLSX)
    # The whole name must be percent-encoded: a raw non-ASCII header is MIME-mangled by Django.
    response["Content-Disposition"] = content_disposition_header(True, f"{importer.label}_导入模板.xlsx")
    return response


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    importer = _importer(request, kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = import_jobs.import_keep(user=request.user, kind=kind, upload=form.cleaned_data["file"])
        try:
            import_jobs.import_check(batch)
        except BackgroundUnavailable:
            messages.error(request, "后台任务服务暂时不可用，文件未能开始校验。没有写入任何数据，请稍后重新上传。")
        return redirect("reports:import_preview", pk=batch.pk)
    batches = ImportBatch.objects.filter(user=request.user).select_related("job")[:10]
    kinds = [(k, LABELS.get(k, k)) for k in importer_kinds()]
    return render(request, "reports/import_upload.html", {
        "form": form, "kind": kind, "label": importer.label, "kinds": kinds, "batches": batches,
        "columns": [c for columns in importer.sheets.values() for c in columns], "nav_section": "imports",
    })


def _own_batch(request: HttpRequest, pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.select_related("job"), pk=pk, user=request.user)


@require_GET
@login_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's state; while a job works on it, htmx asks again every second for the state alone."""
    batch = _own_batch(request, pk)
    if batch.job and not batch.job.is_finished and jobs_fail_stale(user=request.user):
        batch.job.refresh_from_db()  # its worker died and nobody took it over: say so
    template = "reports/_import_state.html" if request.htmx else "reports/import_preview.html"
    return render(request, template, {
        "batch": batch, "label": LABELS.get(batch.kind, batch.kind), "nav_section": "imports",
    })


@require_GET
@login_required
def import_problems(request: HttpRequest, pk: int) -> FileResponse:
    """Every problem of a refused batch, as the workbook its check wrote (its page lists the first)."""
    batch = _own_batch(request, pk)
    if batch.state != ImportBatch.State.REFUSED or not batch.problems_file:
        raise Http404("该文件没有问题清单")
    try:
        handle = batch.problems_file.open("rb")
    except FileNotFoundError:
        raise Http404("问题清单文件已不存在，请重新上传校验") from None
    stem = batch.original_name.rsplit(".", 1)[0] or LABELS.get(batch.kind, batch.kind)
    return FileResponse(handle, as_attachment=True, filename=f"{stem}_问题清单.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@require_POST
@login_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    try:
        queued = import_jobs.import_confirm(user=request.user, batch=batch)
    except BackgroundUnavailable:
        messages.error(request, "后台任务服务暂时不可用，导入未能开始。没有写入任何数据，请稍后再确认导入。")
        return redirect("reports:import_preview", pk=batch.pk)
    if not queued:
        batch = _own_batch(request, pk)
        messages.warning(request, "该文件正在校验或导入，请稍候。" if batch.working else "该文件已处理，不能重复导入。")
        return redirect("reports:import_preview", pk=batch.pk)
    batch.refresh_from_db()  # without a broker the job has run already
    if batch.state == ImportBatch.State.APPLIED:
        messages.success(request, f"导入完成：{batch.summary}。")
    elif batch.state == ImportBatch.State.REFUSED:  # the data changed since the preview
        messages.error(request, "导入被拒绝，未写入任何数据。")
    return redirect("reports:import_preview", pk=batch.pk)
