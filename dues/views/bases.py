"""每年初核定: the year's review of every member's dues category and base."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from branches import access
from branches.models import today

from .. import selectors, services
from ..models import BASE_CATEGORIES, DuesCategory
from ._common import NAV, ancestors_of, branch_for_view, nav_links


@require_http_methods(["GET", "POST"])
@login_required
def base_review(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """每年初核定: confirm or change every member's category and base for the year in one pass."""
    unit = branch_for_view(request.user, pk)
    if not 2000 <= year <= today().year + 1:
        raise Http404("年份超出范围")
    can_edit = access.can_edit(request.user, unit)
    rows = selectors.base_review_rows(unit, year)
    errors: dict[int, str] = {}
    if request.method == "POST":
        access.require_edit(request.user, unit)
        changed_ids: list[int] = []
        try:
            with transaction.atomic():
                for row in rows:
                    pid = row.person.pk
                    category = request.POST.get(f"category_{pid}", "")
                    if not category:
                        continue
                    try:
                        base = _decimal(request.POST.get(f"base_{pid}"))
                        amount = _decimal(request.POST.get(f"amount_{pid}"))
                        _, did = services.dues_base_set(
                            actor=request.user, person=row.person, category=category,
                            base=base if category in BASE_CATEGORIES else None, amount=amount,
                            effective_from=dt.date(year, 1, 1),
                            approval_ref=request.POST.get(f"approval_{pid}", ""), note=f"{year}年初核定",
                        )
                        if did:
                            changed_ids.append(pid)
                    except (ValidationError, InvalidOperation) as exc:
                        errors[pid] = "；".join(getattr(exc, "messages", ["金额应为数字"]))
                if errors:
                    raise ValidationError("rollback")
        except ValidationError:
            messages.error(request, f"有{len(errors)}人的基数有误，未保存任何修改，请更正后重新提交。")
        else:
            regenerated = services.dues_regenerate_for(actor=request.user, person_ids=changed_ids,
                                                       since=dt.date(year, 1, 1)) if changed_ids else []
            messages.success(request, f"{year}年党费基数已核定：{len(rows)}人，其中{len(changed_ids)}人有变化，"
                                      f"已重新核算{len(regenerated)}条已生成的应缴。")
            return redirect("dues:bases", pk=unit.pk, year=year)
    post = request.POST if request.method == "POST" else None
    lines = []
    for row in rows:
        pid, current = row.person.pk, row.current
        lines.append({
            "person": row.person, "changed_in_year": row.changed_in_year, "error": errors.get(pid),
            "category": post.get(f"category_{pid}", "") if post else (current.category if current else ""),
            "base": post.get(f"base_{pid}", "") if post else (current.base if current and current.base is not None else ""),
            "amount": post.get(f"amount_{pid}", "") if post else (
                current.amount if current and current.amount is not None else ""),
            "approval": post.get(f"approval_{pid}", "") if post else (current.approval_ref if current else ""),
        })
    return render(request, "dues/bases.html", {
        "unit": unit, "ancestors": ancestors_of(unit), "year": year, "rows": lines, "errors": errors,
        "categories": DuesCategory.choices, "base_categories": [c.value for c in BASE_CATEGORIES],
        "can_edit": can_edit, "nav_section": NAV, **nav_links(),
    })


def _decimal(text: str | None) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None
