"""The roster's filters (django-filter): the list page and its htmx refresh read their parameters
here; an unknown unit, status or flag is ignored, as is a search with a NUL in it (which
PostgreSQL would refuse)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest

from branches import access
from branches.models import OrgUnit

from . import selectors
from .models import Person, Status

SEARCH_LENGTH = 50


def roster_units(request: HttpRequest) -> QuerySet[OrgUnit]:
    """The units whose roster the user may pick: every open unit in scope but the committee."""
    return access.visible_units(request.user).filter(archived_on__isnull=True).exclude(kind="committee")


def _in_selector(queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
    return queryset  # applied by PersonFilter.filter_queryset


class PersonFilter(django_filters.FilterSet):
    """Who is in scope depends on the unit and on ``former``, so the selector
    (``selectors.person_list``) applies all four filters together."""

    unit = django_filters.ModelChoiceFilter(queryset=roster_units, method=_in_selector)
    status = django_filters.ChoiceFilter(choices=Status.choices, method=_in_selector)
    q = django_filters.CharFilter(method=_in_selector)
    former = django_filters.ChoiceFilter(choices=[("1", "含已转出/离开")], method=_in_selector)  # the checkbox sends 1

    class Meta:
        model = Person
        fields: list[str] = []

    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request.GET, queryset=Person.objects.none(), request=request)

    def value(self, name: str) -> Any:
        """A filter's cleaned value: empty when absent or invalid (an invalid one is ignored)."""
        self.form.is_valid()  # cleans the form once; an invalid value is left out of cleaned_data
        return self.form.cleaned_data.get(name)

    @property
    def search_text(self) -> str:
        return (self.value("q") or "").strip()[:SEARCH_LENGTH]

    def filter_queryset(self, queryset: QuerySet[Person]) -> QuerySet[Person]:
        return selectors.person_list(
            user=self.request.user, unit=self.value("unit"), status=self.value("status") or None,
            q=self.search_text, include_former=bool(self.value("former")),
        )
