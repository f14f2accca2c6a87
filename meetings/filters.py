"""The meeting list's filters (django-filter): the page, its htmx refresh and its Word print read
the list's parameters in one place. An unknown kind or status is ignored, a bad period is a 400
that says why (``period_from``), a unit outside the user's scope is a 404."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from branches.models import OrgUnit
from branches.periods import Period, period_from

from . import selectors
from .models import Meeting, MeetingKind, MeetingStatus, counts_as_q

SEARCH_LENGTH = 50


class MeetingFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices, method="of_kind")
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices)
    period = django_filters.CharFilter(method="in_period")
    q = django_filters.CharFilter(method="search")  # the form field refuses NUL, which PostgreSQL would

    class Meta:
        model = Meeting
        fields: list[str] = []

    def __init__(self, request: HttpRequest, unit: OrgUnit | None) -> None:
        self.unit = unit
        meetings = selectors.meeting_list(user=request.user, unit=unit, include_void=True)
        super().__init__(request.GET, queryset=meetings, request=request)

    def filter_queryset(self, queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
        if not self.value("status"):  # void meetings show only when asked for
            queryset = queryset.exclude(status=MeetingStatus.VOID)
        return super().filter_queryset(queryset)

    def value(self, name: str) -> Any:
        """A filter's cleaned value: empty when absent or invalid (an invalid one is ignored)."""
        self.form.is_valid()  # cleans the form once; an invalid value is left out of cleaned_data
        return self.form.cleaned_data.get(name)

    @property
    def period_value(self) -> Period | None:
        text = self.value("period")
        return period_from(text) if text else None

    @property
    def search_text(self) -> str:
        return (self.value("q") or "").strip()[:SEARCH_LENGTH]

    def of_kind(self, queryset: QuerySet[Meeting], name: str, value: str) -> QuerySet[Meeting]:
        return queryset.filter(counts_as_q(value))

    def in_period(self, queryset: QuerySet[Meeting], name: str, value: str) -> QuerySet[Meeting]:
        period = period_from(value)
        return queryset.filter(date__gte=period.start, date__lte=period.end)

    def search(self, queryset: QuerySet[Meeting], name: str, value: str) -> QuerySet[Meeting]:
        text = self.search_text
        if not text:
            return queryset
        return queryset.filter(Q(topic__icontains=text) | Q(number__icontains=text) | Q(place__icontains=text))
