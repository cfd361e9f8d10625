"""Reads of reminders for the pages: the ones whose digest did not go."""

from interactions.models import Reminder


def failed_reminders():
    """Reminders whose digest failed, newest due first, with whom and what they are about."""
    return (
        Reminder.objects.filter(state=Reminder.State.FAILED)
        .select_related("customer", "recipient")
        .order_by("-due_on", "-id")
    )
