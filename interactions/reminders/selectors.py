"""Reads of reminders for the pages: the ones whose digest did not go, the ones set aside."""

from django.db.models import F

from interactions.models import Reminder


def failed_reminders():
    """Reminders whose digest failed, newest due first, with whom and what they are about."""
    return (
        Reminder.objects.filter(state=Reminder.State.FAILED)
        .select_related("customer", "recipient")
        .order_by("-due_on", "-id")
    )


def dismissed_reminders(customer_id: int, limit: int = 3) -> list[Reminder]:
    """The customer's reminders most recently dismissed, with who did it and why."""
    return list(
        Reminder.objects.filter(customer_id=customer_id, state=Reminder.State.DISMISSED)
        .select_related("dismissed_by")
        .order_by(F("dismissed_at").desc(nulls_last=True), "-id")[:limit]
    )
