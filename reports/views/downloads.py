"""Downloads: start an export as a background job, watch its progress, fetch the file."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from branches import access
from branches.exporting import exporter_for
from branches.periods import Period, PeriodError

from .. import services
from ..models import Job
from ..tasks import run_export_job


@require_POST
@login_required
def export_start(request: HttpRequest) -> HttpResponse:
    try:
        exporter = exporter_for(request.POST.get("exporter", ""))
    except KeyError:
        raise Http404("未知的导出类型") from None
    unit = access.unit_for_view(request.user, request.POST.get("unit"))
    back = _back(request)
    try:
        period = Period.parse(request.POST.get("period", ""))
    except PeriodError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    fmt = request.POST.get("format") or exporter.formats[0]
    if fmt not in exporter.formats:
        messages.error(request, f"{exporter.label}只能导出为：{'、'.join(exporter.formats)}")
        return redirect(back)
    job = services.job_create(
        user=request.user, kind=f"export:{exporter.identifier}", label=f"{unit.name} · {exporter.label} · {period.label}",
        params={"exporter": exporter.identifier, "unit": unit.pk, "period": str(period), "format": fmt},
    )
    try:
        services.job_queue(job, run_export_job)
    except services.BackgroundUnavailable:
        messages.error(request, "后台任务服务暂时不可用，导出未能开始。您的数据没有受到影响，请稍后重试。")
    return redirect("reports:job", pk=job.pk)


def _back(request: HttpRequest) -> str:
    """Where a refused export returns to: ``next`` or the referring page, if it is on this site
    (``//evil.example/`` starts with a slash too)."""
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure()):
            return candidate
    return "/"


def _downloads(request: HttpRequest) -> QuerySet[Job]:
    """The viewer's exports. Browser imports are jobs too, but their page is the import's own."""
    return Job.objects.filter(user=request.user, kind__startswith="export:")


def _own_job(request: HttpRequest, pk: str) -> Job:
    services.jobs_fail_stale(user=request.user)  # a job whose worker died says so, even without beat
    return get_object_or_404(_downloads(request), pk=pk)


@require_GET
@login_required
def job_detail(request: HttpRequest, pk: str) -> HttpResponse:
    job = _own_job(request, pk)
    template = "reports/_job_status.html" if request.htmx else "reports/job_detail.html"
    # without a broker the job runs in the web process itself: the page says where it runs
    in_process = settings.JOBS_IN_THREAD or settings.CELERY_TASK_ALWAYS_EAGER
    return render(request, template, {"job": job, "in_process": in_process, "nav_section": "jobs"})


@require_POST
@login_required
def job_retry(request: HttpRequest, pk: str) -> HttpResponse:
    """重试: run the owner's failed export again, as a new job (once, however often it is asked)."""
    job = _own_job(request, pk)  # anyone else's is a 404; a lost job is failed first
    try:
        again = services.job_retry(job=job, task=run_export_job)
    except services.BackgroundUnavailable:
        messages.error(request, "后台任务服务暂时不可用，重试未能开始。请稍后再试。")
        again = job.retried_as or job
    if again is None:
        messages.info(request, "该任务没有失败，无需重试。")
        return redirect("reports:job", pk=job.pk)
    return redirect("reports:job", pk=again.pk)


@require_GET
@login_required
def job_download(request: HttpRequest, pk: str) -> FileResponse:
    job = _own_job(request, pk)
    if job.state != Job.State.DONE or not job.file:
        raise Http404("文件尚未生成。")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename, content_type=job.content_type)


@require_GET
@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    services.jobs_fail_stale(user=request.user)
    return render(request, "reports/jobs.html", {"jobs": _downloads(request)[:50],
                                                 "nav_section": "jobs"})
