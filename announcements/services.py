"""Writing announcements: drafts, sending (now or at a time), pausing, resuming, cancelling, a
test to oneself, and closing the loop on the wishes an announcement met."""

import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from core.enqueue import enqueue
from core.outbox.queue import emails_queue

from . import audience
from .emails import announcement_email
from .models import Announcement, Recipient
from .tasks import send_announcements

State = Announcement.State
INSERT_BATCH = 5_000


class WrongState(Exception):
    """The announcement moved on meanwhile (another manager, another tab)."""


def announcement_save(announcement: Announcement, **fields) -> Announcement:
    """Create or change a draft."""
    if announcement.pk and announcement.state != State.DRAFT:
        raise WrongState
    for name, value in fields.items():
        setattr(announcement, name, value)
    announcement.full_clean()
    announcement.save()
    return announcement


@transaction.atomic
def announcement_send(announcement: Announcement, *, at: datetime.datetime | None = None) -> int:
    """Fix the audience of a draft and send it, now or at ``at``: how many it goes to. Each
    customer gets one row, so each gets it once however the sending goes."""
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if locked.state != State.DRAFT:
        raise WrongState
    now = timezone.now()
    ids = list(
        audience.reachable(audience.chosen(locked), locked.kind)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    quotes = audience.wishes_of(locked.wishes, ids) if locked.wishes.strip() else {}
    Recipient.objects.bulk_create(
        (Recipient(announcement=locked, customer_id=pk, wish=quotes.get(pk, "")) for pk in ids),
        batch_size=INSERT_BATCH,
        ignore_conflicts=True,
    )
    later = at is not None and at > now
    locked.state = State.SCHEDULED if later else State.SENDING
    locked.send_at = at if later else now
    locked._change_reason = f"Sent to {len(ids)} customers"
    locked.save()
    if not later:
        transaction.on_commit(partial(enqueue, send_announcements), robust=True)
    announcement.refresh_from_db()
    return len(ids)


def _move(announcement: Announcement, states, to: str, **fields) -> None:
    """Under the row's lock, so a batch being queued finishes first; saved, so the audit trail
    shows who moved it."""
    locked = Announcement.objects.select_for_update().filter(pk=announcement.pk).first()
    if locked is None or locked.state not in states:
        raise WrongState
    locked.state = to
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    announcement.refresh_from_db()


@transaction.atomic
def announcement_pause(announcement: Announcement) -> None:
    _move(announcement, [State.SCHEDULED, State.SENDING], State.PAUSED)


def announcement_resume(announcement: Announcement) -> None:
    with transaction.atomic():
        _move(announcement, [State.PAUSED], State.SENDING)
        transaction.on_commit(partial(enqueue, send_announcements), robust=True)


def announcement_cancel(announcement: Announcement) -> None:
    """Stop it for good: what is not yet handed to the outbox is never sent."""
    with transaction.atomic():
        _move(
            announcement,
            [State.SCHEDULED, State.SENDING, State.PAUSED],
            State.CANCELLED,
            finished_at=timezone.now(),
        )
        announcement.recipients.filter(state=Recipient.State.PENDING).update(
            state=Recipient.State.SKIPPED, reason="cancelled"
        )


@transaction.atomic
def announcement_test_send(announcement: Announcement, *, to: str) -> None:
    """The email as a customer would get it, to ``to`` (the manager), marked as a test."""
    emails_queue([announcement_email(announcement, to=to, test=True)])


def wishes_mark_met(announcement: Announcement) -> int:
    """Mark the matched wishes of the customers it went to as met by it; how many."""
    return (
        announcement.recipients.exclude(wish="")
        .filter(wish_met_at__isnull=True, state=Recipient.State.QUEUED)
        .update(wish_met_at=timezone.now())
    )
