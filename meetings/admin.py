"""Administrator screens: the compliance rules are edited here (rules are data)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from branches import caching

from .models import (
    Amendment,
    AppraisalResult,
    Attendance,
    ComplianceRule,
    Meeting,
    MeetingAttachment,
    MeetingStatus,
    Talk,
    Vote,
)


class MeetingsAdmin(SimpleHistoryAdmin):
    """What an administrator changes here is computed afresh in the cached compliance summaries, as
    after the services' writes (branches.caching)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        caching.bump("meetings")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        caching.bump("meetings")

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        caching.bump("meetings")


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(MeetingsAdmin):
    list_display = ("name", "code", "counts", "applies_to", "min_count", "period", "scope_unit",
                    "effective_from", "effective_to", "source")
    list_filter = ("period", "applies_to", "counts")
    search_fields = ("name", "code", "source")
    raw_id_fields = ("scope_unit",)
    fieldsets = (
        (None, {"fields": ("code", "name", "counts", "secretary_lecture", "applies_to", "min_count", "period")}),
        ("本地规则", {"fields": ("scope_unit", "weekday", "week_of_month")}),
        ("生效与依据", {"fields": ("effective_from", "effective_to", "source", "order")}),
    )


def _open(meeting: Meeting | None) -> bool:
    """A draft can be corrected here; a confirmed or voided meeting changes only through the
    portal's amendment (with a reason, keeping what it said before), never here."""
    return meeting is not None and meeting.status == MeetingStatus.DRAFT


class LockedWithMeetingInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return _open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _open(obj) and super().has_delete_permission(request, obj)


class AttendanceInline(LockedWithMeetingInline):
    model = Attendance
    raw_id_fields = ("person",)


class VoteInline(LockedWithMeetingInline):
    model = Vote
    raw_id_fields = ("subject",)


class AmendmentInline(admin.TabularInline):
    model = Amendment
    extra = 0
    readonly_fields = ("reason", "changes", "amended_by", "amended_at")
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(MeetingsAdmin):
    """Read-mostly: meetings are written through the portal's services (numbering, 应到, lock,
    amendments). A draft may be corrected here; a confirmed or voided one is shown read-only."""

    list_display = ("number", "unit", "kind", "date", "topic", "status")
    list_filter = ("kind", "status")
    search_fields = ("number", "topic", "unit__name", "unit__code")
    date_hierarchy = "date"
    raw_id_fields = ("unit",)
    inlines = [AttendanceInline, VoteInline, AmendmentInline]

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1  # a secretary's open edit form then sees that the record changed
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return (obj is None or _open(obj)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Talk)
class TalkAdmin(MeetingsAdmin):
    list_display = ("date", "unit", "officer", "member", "void_reason")
    raw_id_fields = ("unit", "officer", "member")

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyAdmin(MeetingsAdmin):
    """Recorded through the portal, part of a meeting's record: shown here, changed there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AppraisalResult)
class AppraisalResultAdmin(ViewOnlyAdmin):
    list_display = ("meeting", "person", "grade")
    raw_id_fields = ("meeting", "person")


@admin.register(MeetingAttachment)
class MeetingAttachmentAdmin(ViewOnlyAdmin):
    list_display = ("original_name", "meeting", "kind", "size", "uploaded_at", "void_reason")
    raw_id_fields = ("meeting",)
