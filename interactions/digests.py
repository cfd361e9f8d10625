"""The daily digest email and the managers' escalation email, each sent exactly once.

A Digest row per person per day (unique) is claimed with a conditional UPDATE before its email
goes out, and an escalation claims its reminder's ``escalated_at`` the same way. Two workers,
two beats or a redelivered task therefore find the row taken and send nothing. A failed send
releases the claim for the retry; after the last retry the row is marked failed with the error.
"""

import contextlib
import datetime
import logging
import smtplib
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.emails import send_templated_email
from core.roles import MANAGER_GROUP

from .models import Complaint, Digest, Reminder
from .reminders.planning import target_breached

logger = logging.getLogger(__name__)


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


def schedule_digests(now: datetime.datetime | None = None) -> list[int]:
    """Create today's Digest row for everyone with something due; return the unsent ones' ids."""
    now = now or timezone.now()
    fail_abandoned_digests(now)
    day = digest_day(now)
    if day is None:
        return []
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
    return list(
        Digest.objects.filter(day=day, state=Digest.State.PENDING).values_list("pk", flat=True)
    )


def _items(digest):
    return list(
        Reminder.objects.filter(_visible_on(digest.day), recipient_id=digest.recipient_id)
        .select_related("customer")
        .order_by("due_on", "kind", "id")
    )


# Digests one task sends over one SMTP connection: a connection of its own for each email took
# about a third of the time of a send.
DIGEST_BATCH = 50


def in_batches(digest_ids: list[int]) -> list[list[int]]:
    return [
        digest_ids[start : start + DIGEST_BATCH]
        for start in range(0, len(digest_ids), DIGEST_BATCH)
    ]


def digests_send(digest_ids: list[int]) -> int:
    """Send digests in turn over one SMTP connection; returns how many emails went out. One
    that fails stays pending with its error and the rest still go (one bad address must not
    hold up everyone else's); then the first error is raised, so sending the same ids again
    retries only what failed."""
    # Whom each is for, in one query: a digest's day and recipient never change.
    digests = Digest.objects.select_related("recipient").in_bulk(digest_ids)
    smtp = get_connection()
    sent, errors = 0, []
    try:
        for digest_id in digest_ids:
            if digest_id not in digests:
                continue
            try:
                sent += _send(digests[digest_id], smtp)
            except Exception as error:
                errors.append(error)
                _hang_up(smtp)  # it may be broken: the next send dials again
    finally:
        _hang_up(smtp)
    if errors:
        raise errors[0]
    return sent


def _hang_up(smtp) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.close()


def digest_send(digest_id: int) -> bool:
    """Send one digest if it is still pending. Returns whether an email went out."""
    digest = Digest.objects.select_related("recipient").filter(pk=digest_id).first()
    return digest is not None and _send(digest)


def _send(digest: Digest, smtp=None) -> bool:
    digest_id = digest.pk
    claimed = Digest.objects.filter(pk=digest_id, state=Digest.State.PENDING).update(
        state=Digest.State.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return False
    # Everything up to the send releases the claim if it fails, or the digest would stay
    # "sending" and never go out; once the email is sent, nothing may release it.
    try:
        items = _items(digest)
        if not items or not digest.recipient.email:
            # Nothing due any more (done since it was scheduled), or nowhere to send it.
            Digest.objects.filter(pk=digest_id).update(state=Digest.State.SENT, item_count=0)
            return False
        send_templated_email(
            "digest",
            to=[digest.recipient.email],
            context={
                "digest": digest,
                "user": digest.recipient,
                "total": len(items),
                "overdue": [r for r in items if r.due_on < digest.day],
                "due_today": [r for r in items if r.due_on >= digest.day],
                "reminders_url": settings.SITE_URL + reverse("interactions:reminders"),
            },
            connection=smtp,
        )
    except Exception as error:
        Digest.objects.filter(pk=digest_id).update(
            state=Digest.State.PENDING, last_error=_describe(error)
        )
        raise
    _mark_sent(digest_id, items)
    return True


def _mark_sent(digest_id: int, items: list[Reminder]) -> None:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            MARK_SENT_SQL,
            {
                "digest": digest_id,
                "digest_sent": Digest.State.SENT.value,
                "reminder_sent": Reminder.State.SENT.value,
                "now": now,
                "items": len(items),
                "reminders": [r.pk for r in items],
                "unannounced": list(UNANNOUNCED),
            },
        )


# The digest and what it carried marked sent together, in one statement: two updates in a
# transaction took four round trips to the database for every email.
MARK_SENT_SQL = """
WITH digest AS (
    UPDATE interactions_digest
    SET state = %(digest_sent)s, sent_at = %(now)s, item_count = %(items)s, last_error = ''
    WHERE id = %(digest)s
)
UPDATE interactions_reminder
SET state = %(reminder_sent)s, sent_at = %(now)s, attempts = attempts + 1, last_error = ''
WHERE id = ANY(%(reminders)s) AND state = ANY(%(unannounced)s)
"""


ABANDONED_ERROR = (
    "The worker stopped while sending this digest, so it may or may not have arrived. "
    "Check with the recipient before retrying."
)


def fail_abandoned_digests(now: datetime.datetime) -> int:
    """Digests whose worker died mid-send (killed, out of memory) stay claimed for good: no
    redelivered task may take them, or a digest that did go out would go twice. Mark them
    failed instead, so they show on the dashboard for a manager to retry."""
    cutoff = now - datetime.timedelta(seconds=settings.EMAIL_ABANDONED_AFTER_SECONDS)
    abandoned = Digest.objects.filter(
        state=Digest.State.SENDING, claimed_at__lt=cutoff
    ).values_list("pk", flat=True)
    for digest_id in list(abandoned):
        digest_failed(digest_id, RuntimeError(ABANDONED_ERROR))
    return len(abandoned)


def digest_failed(digest_id: int, error: BaseException) -> None:
    """After the last retry: the digest and what it carried are marked failed, for managers."""
    message = _describe(error)
    digest = Digest.objects.get(pk=digest_id)
    with transaction.atomic():
        failed = (
            Digest.objects.filter(pk=digest_id)
            .exclude(state=Digest.State.SENT)
            .update(state=Digest.State.FAILED, last_error=message)
        )
        if not failed:
            return  # a duplicate task sent it after all; what it carried is marked sent
        Reminder.objects.filter(
            _visible_on(digest.day), recipient_id=digest.recipient_id, state__in=UNANNOUNCED
        ).update(state=Reminder.State.FAILED, last_error=message, attempts=F("attempts") + 1)
    logger.error("Digest %s failed for good: %s", digest_id, message)


def escalation_send(reminder_id: int) -> bool:
    """Tell the managers a complaint target was breached, once per breach."""
    now = timezone.now()
    # The breach is re-checked in the claim: by the time a queued or retried task runs, the
    # case may have been answered or resolved, and then there is nothing to escalate.
    claimed = (
        Reminder.objects.filter(pk=reminder_id, escalated_at__isnull=True)
        .filter(target_breached(now))
        .update(escalated_at=now)
    )
    if not claimed:
        return False
    reminder = Reminder.objects.select_related("customer", "recipient").get(pk=reminder_id)
    complaint = Complaint.objects.select_related("assignee").get(pk=reminder.object_id)
    managers = list(
        get_user_model()
        .objects.filter(groups__name=MANAGER_GROUP, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not managers:
        return False
    try:
        send_templated_email(
            "escalation",
            to=managers,
            context={
                "complaint": complaint,
                "reminder": reminder,
                "target": "respond" if reminder.detail == "respond" else "resolve",
                "complaint_url": settings.SITE_URL + complaint.get_absolute_url(),
            },
        )
    except Exception as error:
        Reminder.objects.filter(pk=reminder_id).update(
            escalated_at=None, last_error=_describe(error)
        )
        raise
    return True


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]
