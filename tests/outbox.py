"""Helpers for tests of email: what the outbox holds, and sending it as a worker would."""

from core.models import OutgoingEmail
from core.outbox.delivery import emails_send


def queued(kind: str | None = None):
    emails = OutgoingEmail.objects.filter(state=OutgoingEmail.State.QUEUED).order_by("pk")
    return emails.filter(kind=kind) if kind else emails


def send_queued(kind: str | None = None) -> int:
    """Send what is queued (of ``kind``) now, as the task enqueued on commit would."""
    return emails_send(list(queued(kind).values_list("pk", flat=True)))
