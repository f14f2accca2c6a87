"""Administrators edit the rule tables (rate tables, points schemes); ledgers are read here and
changed only through the portal's services (payments are voided, never deleted)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ArrearsCase,
    DuesBase,
    DuesDue,
    Payment,
    PointsItem,
    PointsObjection,
    PointsScheme,
    PointsSheet,
    RateRule,
    RateTable,
    Receipt,
    Remittance,
)


class RateRuleInline(admin.TabularInline):
    model = RateRule
    extra = 0
    fields = ["category", "upper_bound", "rate", "flat_amount", "min_amount", "max_amount", "requires_approval",
              "source"]


@admin.register(RateTable)
class RateTableAdmin(SimpleHistoryAdmin):
    list_display = ["name", "effective_from", "source"]
    inlines = [RateRuleInline]


class PointsItemInline(admin.TabularInline):
    model = PointsItem
    extra = 0
    fields = ["order", "code", "name", "category", "source", "points", "min_points", "max_points", "year_cap", "veto",
              "note"]


@admin.register(PointsScheme)
class PointsSchemeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "effective_from", "base_points", "publication_days", "source"]
    inlines = [PointsItemInline]


@admin.register(DuesBase)
class DuesBaseAdmin(SimpleHistoryAdmin):
    list_display = ["person", "category", "base", "amount", "effective_from", "approval_ref"]
    list_filter = ["category"]
    search_fields = ["person__name", "person__pinyin"]
    raw_id_fields = ["person"]


class ReadOnlyLedgerAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DuesDue)
class DuesDueAdmin(ReadOnlyLedgerAdmin):
    list_display = ["person", "month", "unit", "category", "base", "amount"]
    list_filter = ["month", "category"]
    search_fields = ["person__name", "unit__name"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyLedgerAdmin):
    list_display = ["person", "month", "amount", "paid_on", "kind", "method", "unit", "voided_at", "remit_to_centre"]
    list_filter = ["kind", "method", "remit_to_centre"]
    search_fields = ["person__name", "receipt__number"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyLedgerAdmin):
    list_display = ["number", "person", "unit", "issued_on"]
    search_fields = ["number", "person__name"]


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyLedgerAdmin):
    list_display = ["unit", "period", "amount", "to_centre", "remitted_on", "voided_at"]


@admin.register(ArrearsCase)
class ArrearsCaseAdmin(ReadOnlyLedgerAdmin):
    list_display = ["person", "unit", "first_month", "months", "state", "opened_on"]
    list_filter = ["state"]


@admin.register(PointsSheet)
class PointsSheetAdmin(ReadOnlyLedgerAdmin):
    list_display = ["unit", "month", "state", "published_on", "publication_ends_on", "confirmed_on"]
    list_filter = ["state"]


@admin.register(PointsObjection)
class PointsObjectionAdmin(ReadOnlyLedgerAdmin):
    list_display = ["sheet", "person", "raised_on", "answered_on"]
