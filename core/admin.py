from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutgoingEmail
from .outbox.queue import emails_retry

BODIES = ("body_text", "body_html")


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The outbox as it stands; read only, since what was queued is a record of what we said."""

    list_display = ["created_at", "kind", "to", "subject", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    def get_fields(self, request, obj=None):
        fields = [f.name for f in OutgoingEmail._meta.fields if f.name != "id"]
        if obj is not None and obj.secret:
            # It carries a link that opens an account or a survey: not for anyone's eyes.
            fields = [name for name in fields if name not in BODIES]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send again (failed or uncertain ones)"))
    def send_again(self, request, queryset):
        retried = emails_retry(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(n)d email will be sent again.", "%(n)d emails will be sent again.", retried)
            % {"n": retried},
            messages.SUCCESS,
        )
