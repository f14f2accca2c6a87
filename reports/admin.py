from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ExportLog, Rubric, RubricItem


class RubricItemInline(admin.TabularInline):
    model = RubricItem
    extra = 0


@admin.register(Rubric)
class RubricAdmin(SimpleHistoryAdmin):
    list_display = ("name", "effective_from", "effective_to")
    inlines = [RubricItemInline]


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """The audit trail of exports holding personal data: read-only, nobody edits or deletes it."""

    list_display = ("created_at", "actor", "exporter", "org_code", "period", "via", "masked")
    list_filter = ("exporter", "via", "masked")
    search_fields = ("actor", "org_code")
    date_hierarchy = "created_at"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
