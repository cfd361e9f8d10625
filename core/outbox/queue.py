"""Queueing: an email becomes a row in the caller's transaction, and is sent after it commits."""

from django.db import transaction
from django.utils import timezone

from core.enqueue import enqueue
from core.models import OutgoingEmail

from .delivery import in_batches
from .replies import new_message_id
from .tasks import send_emails


def email_queue(kind: str, *, to: str, subject: str, body_text: str, **fields) -> OutgoingEmail:
    """Queue one email to ``to``; ``fields`` are OutgoingEmail's (body_html, headers, about,
    person, secret)."""
    (email,) = emails_queue(
        [OutgoingEmail(kind=kind, to=to, subject=subject, body_text=body_text, **fields)]
    )
    return email


def emails_queue(emails: list[OutgoingEmail]) -> list[OutgoingEmail]:
    """Queue these unsaved emails; they go out in batches once the caller's transaction
    commits. If the broker is down then, beat's sweep sends them a minute later."""
    for email in emails:
        email.message_id = email.message_id or new_message_id()
    emails = OutgoingEmail.objects.bulk_create(emails)
    _send_after_commit([email.pk for email in emails])
    return emails


def _send_after_commit(ids: list[int]) -> None:
    for batch in in_batches(ids):
        # robust: what was queued is committed; a broker outage must not turn it into a 500.
        transaction.on_commit(lambda batch=batch: enqueue(send_emails, batch), robust=True)


def emails_retry(email_ids) -> int:
    """Send failed or uncertain emails again, at once, with a fresh count of attempts. One whose
    body is gone (past RETENTION_DAYS, or its customer erased) is not sent again."""
    unsent = OutgoingEmail.objects.filter(
        pk__in=email_ids, state__in=[OutgoingEmail.State.FAILED, OutgoingEmail.State.UNCERTAIN]
    ).exclude(body_text="")
    with transaction.atomic():
        ids = list(unsent.select_for_update().values_list("pk", flat=True))
        OutgoingEmail.objects.filter(pk__in=ids).update(
            state=OutgoingEmail.State.QUEUED, attempts=0, send_after=timezone.now(), claimed_at=None
        )
        _send_after_commit(ids)
    return len(ids)


def emails_withdraw(kind: str, about) -> int:
    """Take back the emails of ``kind`` about ``about`` that have not gone: queued, or failed
    and waiting on a person. One being sent, or that may have been, is past taking back."""
    return (
        OutgoingEmail.objects.about(about)
        .filter(kind=kind, state__in=[OutgoingEmail.State.QUEUED, OutgoingEmail.State.FAILED])
        .delete()[0]
    )
