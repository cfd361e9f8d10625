"""Erasing a customer at their request: their personal data goes from every table, the audit
trail's copies included, while every row that a figure counts stays, with placeholders."""

import logging

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.events import emit
from core.models import OutgoingEmail
from customers.models import Customer
from customers.suppression import emails_suppress
from interactions.models import CaseLink, Reminder

from . import discovery, scrubbing
from .models import Erasure

logger = logging.getLogger(__name__)

ERASED_REASON = "The customer was erased."


class AlreadyErased(Exception):
    """The customer was erased before: by another manager, or in another tab."""


def customer_erase(customer_id: int, *, by) -> Erasure:
    """Erase everything Rapport holds about one customer, once, and record that it was done.

    The customer's row is locked first, so a second erasure at the same moment waits, then finds
    it done and raises AlreadyErased."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if customer.erased_at is not None:
            raise AlreadyErased
        now = timezone.now()
        found = discovery.find(customer)
        withdrawn = _withdraw_unsent_emails(found)
        _unlink_shared(found)
        scrubbed = {
            model._meta.label: scrubbing.scrub_rows(model, ids)
            for model, ids in found.theirs.items()
        }
        pattern = found.identifiers.regex() if found.identifiers else None
        mentions = {
            model._meta.label: scrubbing.scrub_mentions(model, ids, pattern)
            for model, ids in found.mentions.items()
            if pattern is not None
        }
        _stop_what_was_under_way(found, now)
        emails_suppress(found.identifiers.emails)
        Customer.objects.filter(pk=customer.pk).update(
            erased_at=now,
            archived_at=Coalesce(F("archived_at"), now),
            email_opt_out=True,
            updated_at=now,
        )
        erasure = Erasure.objects.create(
            customer=customer,
            erased_at=now,
            erased_by=by,
            scrubbed={label: n for label, n in sorted(scrubbed.items()) if n},
            mentions={label: n for label, n in sorted(mentions.items()) if n},
            withdrawn_emails=withdrawn,
        )
        # For listeners elsewhere (webhooks) to tell other systems to forget them too; the row
        # they get holds placeholders only.
        emit("customer.erased", Customer.objects.get(pk=customer.pk))
    logger.info(
        "Customer %s erased by user %s: %s rows, %s mentions",
        customer.pk,
        getattr(by, "pk", None),
        sum(scrubbed.values()),
        sum(mentions.values()),
    )
    return erasure


def _withdraw_unsent_emails(found) -> int:
    """Take back the emails to them still waiting to go; an email being sent is past that."""
    ids = found.theirs.get(OutgoingEmail, set())
    unsent = OutgoingEmail.objects.filter(
        pk__in=list(ids), to_customer=True, state=OutgoingEmail.State.QUEUED
    )
    withdrawn = set(unsent.values_list("pk", flat=True))
    unsent.delete()
    if withdrawn:
        found.theirs[OutgoingEmail] = ids - withdrawn
    return len(withdrawn)


def _unlink_shared(found) -> None:
    """Drop their links to what others share (their tags): the tag stays, the link said
    something about them."""
    for model in [m for m in found.theirs if m._meta.auto_created]:
        targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
        if any(target not in found.theirs for target in targets):
            model._base_manager.filter(pk__in=list(found.theirs.pop(model))).delete()


def _stop_what_was_under_way(found, now) -> None:
    """Their case links stop working and their reminders are set aside: nobody is to chase a
    customer who is not there any more."""
    CaseLink.objects.filter(
        pk__in=list(found.theirs.get(CaseLink, ())), retired_at__isnull=True
    ).update(retired_at=now)
    Reminder.objects.filter(
        pk__in=list(found.theirs.get(Reminder, ())), state__in=Reminder.LIVE_STATES
    ).update(state=Reminder.State.DISMISSED, dismissed_at=now, dismissed_reason=ERASED_REASON)
