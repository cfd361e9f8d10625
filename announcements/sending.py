"""Handing an announcement's emails to the outbox, a batch at a time and no faster than
ANNOUNCEMENT_RATE_PER_MINUTE. A batch is claimed under the announcement's row lock and its
emails queued in the same transaction: a second worker skips the announcement, and a worker
that dies leaves the batch as it was, to be sent by the next run."""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox.queue import emails_queue

from .emails import announcement_email
from .formatting import body_html
from .models import Announcement, Recipient

State = Announcement.State
BATCH = 500
_MINUTE = datetime.timedelta(minutes=1)


def announcements_send_due(now: datetime.datetime | None = None) -> int:
    """Queue the next emails of every announcement that is due: how many were queued."""
    now = now or timezone.now()
    due = Announcement.objects.filter(
        state__in=[State.SCHEDULED, State.SENDING], send_at__lte=now
    ).values_list("pk", flat=True)
    return sum(announcement_send_batches(pk) for pk in list(due))


def _allowance(now) -> int:
    recent = Recipient.objects.filter(queued_at__gt=now - _MINUTE).count()
    return max(settings.ANNOUNCEMENT_RATE_PER_MINUTE - recent, 0)


def announcement_send_batches(announcement_id: int) -> int:
    """Queue as many of its waiting emails as this minute's rate allows."""
    queued = 0
    while True:
        batch = announcement_send_batch(announcement_id)
        if batch is None:
            return queued
        queued += batch


@transaction.atomic
def announcement_send_batch(announcement_id: int) -> int | None:
    """Queue one batch: how many emails; None when there is nothing more to do now."""
    now = timezone.now()
    announcement = (
        Announcement.objects.select_for_update(skip_locked=True)
        .filter(pk=announcement_id, state__in=[State.SCHEDULED, State.SENDING], send_at__lte=now)
        .first()
    )
    if announcement is None:
        return None
    if announcement.state == State.SCHEDULED:
        announcement.state = State.SENDING
    announcement.started_at = announcement.started_at or now
    size = min(BATCH, _allowance(now))
    recipients = list(
        announcement.recipients.filter(state=Recipient.State.PENDING)
        .select_related("customer")
        .order_by("pk")[:size]
    )
    if not recipients:
        # This minute's allowance is spent, or nobody waits any more.
        if not announcement.recipients.filter(state=Recipient.State.PENDING).exists():
            announcement.state, announcement.finished_at = State.SENT, now
        announcement.save(update_fields=["state", "started_at", "finished_at"])
        return None
    # The same for everyone: rendered once a batch.
    html = body_html(announcement.body)
    queued, skipped = {}, []
    for recipient in recipients:
        email = announcement_email(
            announcement, customer=recipient.customer, recipient=recipient, html=html
        )
        if email is None:
            # Opted out, lost consent or started bouncing since the audience was fixed.
            skipped.append(recipient.pk)
        else:
            queued[recipient.pk] = email
    emails_queue(list(queued.values()))
    Recipient.objects.filter(pk__in=skipped).update(
        state=Recipient.State.SKIPPED, reason=_("no longer reachable")
    )
    # One statement for the batch: bulk_update's CASE per row and column cost more than the
    # rendering (bench/FINDINGS.md).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Recipient._meta.db_table} r "
            "SET state = %s, queued_at = %s, email_id = x.email_id "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS x(id, email_id) WHERE r.id = x.id",
            [
                Recipient.State.QUEUED,
                now,
                list(queued),
                [email.pk for email in queued.values()],
            ],
        )
    announcement.save(update_fields=["state", "started_at"])
    return len(queued)
