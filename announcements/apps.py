from django.apps import AppConfig


class AnnouncementsConfig(AppConfig):
    name = "announcements"
    verbose_name = "Announcements"

    def ready(self):
        from interactions.timeline import timeline_source_add

        from .models import Announcement, Recipient

        # An announcement sent shows on each recipient's timeline. It is not a conversation, so
        # it is no contact and restarts no check-in clock.
        timeline_source_add(
            "announcement",
            f"SELECT 'announcement', r.id, r.queued_at FROM {Recipient._meta.db_table} r "
            f"JOIN {Announcement._meta.db_table} a ON a.id = r.announcement_id "
            "WHERE r.customer_id = %s AND r.queued_at IS NOT NULL",
            time="r.queued_at",
            author="a.created_by_id",
            loader=Recipient.objects.select_related("announcement__created_by"),
        )
