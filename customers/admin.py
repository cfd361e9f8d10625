from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Customer, Tag
from .services import customer_normalise


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "company",
        "email",
        "owner",
        "status",
        "next_checkin_due",
        "archived_at",
    ]
    list_filter = ["status", "segment", "temperament", "tags"]
    search_fields = ["name", "company", "email", "phone"]
    list_select_related = ["owner"]
    autocomplete_fields = ["tags"]
    readonly_fields = ["next_checkin_due", "archived_at", "created_at", "updated_at"]
    date_hierarchy = "customer_since"

    def save_model(self, request, obj, form, change):
        # Keep the admin consistent with the services: what is derived from what was typed.
        customer_normalise(obj)
        super().save_model(request, obj, form, change)
