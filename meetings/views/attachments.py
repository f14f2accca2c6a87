"""A meeting's attached materials: upload and download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..forms import AttachmentForm
from ..models import MeetingAttachment


@require_POST
@login_required
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_edit(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, meeting=meeting, kind=form.cleaned_data["kind"],
                                    file=form.cleaned_data["file"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已上传。")
    else:
        messages.error(request, "请选择材料类型和文件。")
    return redirect("meetings:detail", pk=meeting.pk)


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    meeting = selectors.meeting_for_view(request.user, pk)
    attachment = get_object_or_404(MeetingAttachment, meeting=meeting, pk=attachment_id, voided_at__isnull=True)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)
