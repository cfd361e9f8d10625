from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services, surveys
from .models import FeedbackSubmission, Survey


@admin.register(FeedbackSubmission)
class FeedbackSubmissionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "name", "email", "topic", "state", "acknowledgement", "customer"]
    list_filter = ["state", "topic", "acknowledgement"]
    search_fields = ["name", "email", "message", "order_ref"]
    list_select_related = ["customer"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "client_hash",
        "customer",
        "interaction",
        "complaint",
        "state",
        "error",
        "acknowledgement",
        "acknowledgement_attempts",
        "acknowledgement_error",
        "acknowledged_at",
        "wants_news",
        "news_confirmation_at",
    ]
    actions = ["process_again"]

    @admin.action(description=_("Process again (received, held or failed ones)"))
    def process_again(self, request, queryset):
        done = 0
        # Received ones too: a sweep processes those a minute after they were stored, but a
        # person who sees one need not wait (one still being processed is waited for, and
        # skipped once done).
        for submission in queryset.filter(
            state__in=[
                FeedbackSubmission.State.RECEIVED,
                FeedbackSubmission.State.HELD,
                FeedbackSubmission.State.FAILED,
            ]
        ):
            done += (
                services.feedback_process(submission).state == FeedbackSubmission.State.PROCESSED
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d submission is now on its customer's timeline.",
                "%(count)d submissions are now on their customers' timelines.",
                done,
            )
            % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "customer",
        "reason",
        "state",
        "sent_at",
        "answered_at",
        "satisfaction",
        "recommend",
    ]
    list_filter = ["reason", "state", "considered_switching"]
    search_fields = ["customer__name", "customer__email", "unmet_want", "comment"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "complaint", "interaction"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "token_hash",
        "state",
        "attempts",
        "last_error",
        "sent_at",
        "answered_at",
        "satisfaction",
        "recommend",
        "unmet_want",
        "considered_switching",
        "comment",
        "interaction",
    ]
    actions = ["send_again"]

    @admin.action(description=_("Send again (failed ones)"))
    def send_again(self, request, queryset):
        count = sum(surveys.survey_send_again(survey) for survey in queryset)
        self.message_user(
            request,
            ngettext("%(count)d survey queued.", "%(count)d surveys queued.", count)
            % {"count": count},
        )
