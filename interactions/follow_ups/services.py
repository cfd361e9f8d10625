"""Writes for follow-ups: what we will do for a customer by a date, and whether it was on time."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from interactions.models import FollowUp, Interaction


@transaction.atomic
def followup_create(
    *,
    customer: Customer,
    summary: str,
    due_on: datetime.date,
    assignee,
    created_by,
    promised: bool = False,
    interaction: Interaction | None = None,
    complaint=None,
) -> FollowUp:
    """Record something we will do for the customer by a date."""
    follow_up = FollowUp(
        customer=customer,
        summary=summary,
        due_on=due_on,
        assignee=assignee,
        created_by=created_by,
        promised=promised,
        interaction=interaction,
        complaint=complaint,
    )
    follow_up.full_clean()
    follow_up.save()
    return follow_up


def followup_done(follow_up: FollowUp, *, at: datetime.datetime | None = None) -> bool:
    """Mark it done, recording whether it was on time. Returns False if it was already done."""
    at = at or timezone.now()
    on_time = timezone.localdate(at) <= follow_up.due_on
    # Conditional UPDATE: a double click or two people at once record it once.
    changed = FollowUp.objects.filter(pk=follow_up.pk, done_at__isnull=True).update(
        done_at=at, done_on_time=on_time
    )
    if changed:
        follow_up.done_at, follow_up.done_on_time = at, on_time
    return bool(changed)


def followup_snooze(follow_up: FollowUp, *, until: datetime.date) -> FollowUp:
    """Put it out of sight until a later day; the due date, and so lateness, stays."""
    if until <= timezone.localdate():
        raise ValidationError({"until": _("Choose a day after today.")})
    if follow_up.is_done:
        raise ValidationError(_("This follow-up is already done."))
    follow_up.snoozed_until = until
    follow_up.save(update_fields=["snoozed_until"])
    return follow_up
