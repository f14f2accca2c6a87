from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Rubric, RubricItem


class RubricItemInline(admin.TabularInline):
    model = RubricItem
    extra = 0


@admin.register(Rubric)
class RubricAdmin(SimpleHistoryAdmin):
    list_display = ("name", "effective_from", "effective_to")
    inlines = [RubricItemInline]
