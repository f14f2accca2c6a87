"""One member's organisational life: attendance, 补学, 民主评议 grades, 谈心谈话."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from members.selectors import person_for_view

from .. import selectors
from ..models import AttendanceStatus, Talk
from ._common import SECTION


@require_GET
@login_required
def person_record(request: HttpRequest, pk: int) -> HttpResponse:
    """One member's organisational life: attendance, 补学, 民主评议 grades and 谈心谈话."""
    person = person_for_view(request.user, pk)
    rows = list(selectors.attendance_of(request.user, person))
    counts = {status: sum(1 for r in rows if r.status == status) for status in AttendanceStatus.values}
    return render(request, "meetings/person.html", {
        "person": person, "rows": rows, "counts": counts,
        "appraisals": selectors.appraisals_of(person),
        "talks": Talk.objects.filter(Q(member=person) | Q(officer=person), voided_at__isnull=True)
        .select_related("officer", "member", "unit").order_by("-date")[:50],
        "nav_section": SECTION})
