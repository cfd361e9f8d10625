"""Keeping nothing longer than needed: beat's sweeps (privacy.tasks), each a batch at a time in
transactions of their own, so a first run on a large book holds no lock for long. Each keeps a
record's metadata and drops its contents, and a second run finds nothing left to do."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import OutgoingEmail
from customers.models import Customer, CustomerImport
from inbound.models import InboundMessage

BATCH = 1000


def _in_batches(queryset, **changes) -> int:
    done = 0
    while True:
        with transaction.atomic():
            ids = list(
                queryset.select_for_update(skip_locked=True).values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                return done
            done += queryset.model._base_manager.filter(pk__in=ids).update(**changes)


def import_files_expire(now: datetime.datetime | None = None) -> int:
    """Forget uploaded files: the contents of one imported (its record stays: who, when, how
    many rows did what), and the whole upload of one left unimported IMPORT_FILE_KEEP_HOURS."""
    now = now or timezone.now()
    imported = CustomerImport.objects.filter(state=CustomerImport.State.IMPORTED).exclude(
        text="", preview__isnull=True
    )
    done = _in_batches(imported, text="", preview=None)
    abandoned = CustomerImport.objects.exclude(state__in=CustomerImport.WORKING_STATES).filter(
        created_at__lt=now - datetime.timedelta(hours=settings.IMPORT_FILE_KEEP_HOURS),
        imported_at__isnull=True,
    )
    deleted, _by_model = abandoned.exclude(state=CustomerImport.State.IMPORTED).delete()
    return done + deleted


def _retention_cutoff(now) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.RETENTION_DAYS)


# A message waiting on a person stops waiting once its body is gone: attaching it or processing
# it again would read an empty message.
_WAITING_ON_A_PERSON = [
    InboundMessage.State.UNMATCHED,
    InboundMessage.State.FAILED,
    InboundMessage.State.TOO_BIG,
]


def inbound_bodies_expire(now: datetime.datetime | None = None) -> int:
    """Drop the raw copy and the excerpt of messages received more than RETENTION_DAYS ago;
    who sent them, to whom, when, their subject, size and state stay."""
    old = InboundMessage.objects.filter(received_at__lt=_retention_cutoff(now)).exclude(
        state=InboundMessage.State.RECEIVED
    )
    with_body = old.filter(~Q(raw=b"") | ~Q(excerpt=""))
    set_aside = _in_batches(
        with_body.filter(state__in=_WAITING_ON_A_PERSON),
        raw=b"",
        excerpt="",
        state=InboundMessage.State.SET_ASIDE,
        reason=_("Its body was deleted after %(days)s days.") % {"days": settings.RETENTION_DAYS},
    )
    return set_aside + _in_batches(with_body, raw=b"", excerpt="")


def outbox_bodies_expire(now: datetime.datetime | None = None) -> int:
    """Drop the bodies of emails queued more than RETENTION_DAYS ago that are done with (sent,
    failed or uncertain); to whom, what kind, the subject, when and how it went stay. An email
    without its body is never sent again (core.outbox.queue.emails_retry)."""
    old = OutgoingEmail.objects.filter(
        created_at__lt=_retention_cutoff(now),
        state__in=[
            OutgoingEmail.State.SENT,
            OutgoingEmail.State.FAILED,
            OutgoingEmail.State.UNCERTAIN,
        ],
    ).filter(~Q(body_text="") | ~Q(body_html=""))
    return _in_batches(old, body_text="", body_html="")


def erase_due(now: datetime.datetime | None = None):
    """Archived customers with no contact for ERASE_ARCHIVED_AFTER_DAYS, longest first, for a
    manager to erase; none while the setting is 0. A page of managers', read rarely: no index."""
    days = settings.ERASE_ARCHIVED_AFTER_DAYS
    if days <= 0:
        return Customer.objects.none()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    return (
        Customer.objects.archived()
        .filter(erased_at__isnull=True, archived_at__lt=cutoff)
        .filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=cutoff))
        .order_by("archived_at", "pk")
    )
