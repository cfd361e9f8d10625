"""The daily digest: one email a day per member of staff with what is due, through the outbox.

A Digest row per person per day (unique) is claimed (pending -> sending) in the transaction
that queues its email, so two planners, two beats or a redelivered task queue it once. What
became of the email (core.outbox.signals.email_settled) marks the digest, and what it carried,
sent or failed.
"""

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.emails import render_email
from core.languages import languages_of
from core.models import OutgoingEmail
from core.outbox.queue import emails_queue
from customers.names import tell_apart

from .models import Digest, Reminder

logger = logging.getLogger(__name__)
KIND = "digest"


def digest_day(now: datetime.datetime) -> datetime.date | None:
    """The local day whose digest may go out at ``now``: today once the hour has come, else
    None (yesterday's, if missed, is not sent late: today's lists the same items)."""
    local = now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return local.date() if local.hour >= settings.DIGEST_HOUR else None


def _visible_on(day):
    return Q(state__in=Reminder.LIVE_STATES, due_on__lte=day) & (
        Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=day)
    )


# Not yet in a digest that went out: new ones, those back from a snooze, and those whose email
# failed. Any of them is reason to send today's digest, and sending it marks them sent.
UNANNOUNCED = (Reminder.State.PENDING, Reminder.State.SNOOZED, Reminder.State.FAILED)


def schedule_digests(now: datetime.datetime | None = None) -> int:
    """Create today's Digest row for everyone with something due and queue the emails of
    those not yet queued; returns how many were queued."""
    now = now or timezone.now()
    day = digest_day(now)
    if day is None:
        return 0
    recipients = (
        Reminder.objects.filter(_visible_on(day), state__in=UNANNOUNCED)
        .exclude(recipient__digests__day=day)
        .order_by()  # the model's ordering would make DISTINCT keep one row per reminder
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    Digest.objects.bulk_create(
        [Digest(recipient_id=pk, day=day) for pk in recipients], ignore_conflicts=True
    )
    return digests_queue(Digest.objects.filter(day=day))


@transaction.atomic
def digests_queue(digests) -> int:
    """Claim the pending ones of ``digests`` and queue their emails, each listing what is due
    on its day; returns how many were queued. One with nothing due any more (done since) or
    nowhere to go is marked sent with nothing in it."""
    claimed = list(
        digests.filter(state=Digest.State.PENDING)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
    )
    items = _items(claimed)
    languages = languages_of([digest.recipient for digest in claimed])
    now, emails = timezone.now(), []
    reminders_url = settings.SITE_URL + reverse("interactions:reminders")
    for digest in claimed:
        due = items.get((digest.recipient_id, digest.day), [])
        digest.claimed_at, digest.item_count = now, len(due)
        digest.reminder_ids = [reminder.pk for reminder in due]
        if not due or not digest.recipient.email:
            digest.state, digest.item_count = Digest.State.SENT, 0
            continue
        digest.state, digest.attempts = Digest.State.SENDING, digest.attempts + 1
        tell_apart(reminder.customer for reminder in due)
        context = {
            "digest": digest,
            "user": digest.recipient,
            "total": len(due),
            "overdue": [r for r in due if r.due_on < digest.day],
            "due_today": [r for r in due if r.due_on >= digest.day],
            "reminders_url": reminders_url,
        }
        emails.append(
            OutgoingEmail(
                kind=KIND,
                to=digest.recipient.email,
                about=digest,
                person=digest.recipient,
                **render_email("digest", context, language=languages[digest.recipient_id]),
            )
        )
    Digest.objects.bulk_update(
        claimed, ["state", "attempts", "claimed_at", "item_count", "reminder_ids"]
    )
    emails_queue(emails)
    return len(emails)


def _items(digests) -> dict:
    """What each digest lists, by (recipient, day), in one query a day."""
    items = {}
    for day in {digest.day for digest in digests}:
        reminders = (
            Reminder.objects.filter(
                _visible_on(day), recipient_id__in=[d.recipient_id for d in digests]
            )
            .select_related("customer")
            .order_by("due_on", "kind", "id")
        )
        for reminder in reminders:
            items.setdefault((reminder.recipient_id, day), []).append(reminder)
    return items


def digest_email_settled(sender, email: OutgoingEmail, **kwargs) -> None:
    """The digest, and what it carried, marked sent or failed with its email."""
    if email.kind != KIND:
        return
    if email.state == OutgoingEmail.State.SENT:
        _mark_sent(email.about_id, email.sent_at)
    else:
        digest_failed(email.about_id, email.last_error)


def _mark_sent(digest_id: int, now: datetime.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            MARK_SENT_SQL,
            {
                "digest": digest_id,
                "digest_sent": Digest.State.SENT.value,
                "reminder_sent": Reminder.State.SENT.value,
                "now": now,
                "unannounced": list(UNANNOUNCED),
            },
        )


# The digest and what it carried marked sent together, in one statement: two updates took four
# round trips to the database for every email.
MARK_SENT_SQL = """
WITH digest AS (
    UPDATE interactions_digest
    SET state = %(digest_sent)s, sent_at = %(now)s, last_error = ''
    WHERE id = %(digest)s
    RETURNING reminder_ids
)
UPDATE interactions_reminder
SET state = %(reminder_sent)s, sent_at = %(now)s, attempts = attempts + 1, last_error = ''
WHERE id IN (SELECT unnest(reminder_ids) FROM digest) AND state = ANY(%(unannounced)s)
"""


def digest_failed(digest_id: int, message: str) -> None:
    """The digest and what it carried marked failed, for managers to see and retry."""
    digest = Digest.objects.filter(pk=digest_id).exclude(state=Digest.State.SENT).first()
    if digest is None:
        return
    Digest.objects.filter(pk=digest_id).update(state=Digest.State.FAILED, last_error=message)
    Reminder.objects.filter(pk__in=digest.reminder_ids, state__in=UNANNOUNCED).update(
        state=Reminder.State.FAILED, last_error=message, attempts=F("attempts") + 1
    )
    logger.error("Digest %s failed: %s", digest_id, message)


@transaction.atomic
def reminder_retry(reminder: Reminder) -> None:
    """Send a failed reminder again: it goes back in its recipient's digest for today."""
    if reminder.state != Reminder.State.FAILED:
        return
    Reminder.objects.filter(pk=reminder.pk).update(state=Reminder.State.PENDING, last_error="")
    day = digest_day(timezone.now()) or timezone.localdate()
    digest, _created = Digest.objects.get_or_create(recipient_id=reminder.recipient_id, day=day)
    # One still in the outbox keeps its email; the reminder waits for the next.
    Digest.objects.filter(pk=digest.pk).exclude(state=Digest.State.SENDING).update(
        state=Digest.State.PENDING
    )
    digests_queue(Digest.objects.filter(pk=digest.pk))
