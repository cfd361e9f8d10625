from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Complaint, ComplaintEvent, ComplaintSubCause, FollowUp, Interaction


@admin.register(Interaction)
class InteractionAdmin(SimpleHistoryAdmin):
    list_display = ["occurred_at", "customer", "kind", "summary", "author", "outcome"]
    list_filter = ["kind", "outcome", "initiated_by"]
    search_fields = ["summary", "customer__name"]
    list_select_related = ["customer", "author"]
    raw_id_fields = ["customer"]
    date_hierarchy = "occurred_at"


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    readonly_fields = ["kind", "at", "actor", "from_status", "to_status", "note"]
    can_delete = False


@admin.register(Complaint)
class ComplaintAdmin(SimpleHistoryAdmin):
    list_display = ["id", "customer", "summary", "severity", "status", "assignee", "resolve_by"]
    list_filter = ["status", "severity"]
    search_fields = ["summary", "customer__name"]
    list_select_related = ["customer", "assignee"]
    raw_id_fields = ["customer", "interaction"]
    inlines = [ComplaintEventInline]


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["summary", "customer", "assignee", "due_on", "promised", "done_at"]
    list_filter = ["promised"]
    search_fields = ["summary", "customer__name"]
    list_select_related = ["customer", "assignee"]
    raw_id_fields = ["customer", "interaction", "complaint"]


@admin.register(ComplaintSubCause)
class ComplaintSubCauseAdmin(admin.ModelAdmin):
    """The short list of finer causes offered when a complaint is resolved."""

    list_display = ["name", "cause", "active"]
    list_filter = ["cause", "active"]
    list_editable = ["active"]
    search_fields = ["name"]
