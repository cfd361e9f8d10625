"""Complaint cases: opening, the status workflow and remedies (their emails: emails.py)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.people import person_name
from customers.models import Customer
from interactions.models import Complaint, ComplaintEvent, Interaction, Reminder
from interactions.services import interaction_log
from interactions.signals import customer_experience_changed

from .emails import (
    ACKNOWLEDGEMENT,
    RESOLUTION,
    complaint_email_queue,
    complaint_resolution_withdraw,
)


def complaint_targets(
    severity: str, opened_at: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """Respond-by and resolve-by for a case of this severity opened at ``opened_at``."""
    respond_hours, resolve_hours = settings.COMPLAINT_TARGET_HOURS[severity]
    return (
        opened_at + datetime.timedelta(hours=respond_hours),
        opened_at + datetime.timedelta(hours=resolve_hours),
    )


@transaction.atomic
def complaint_open(
    *,
    customer: Customer,
    summary: str,
    severity: str,
    opened_by,
    assignee=None,
    details: str = "",
    interaction: Interaction | None = None,
    channel: str = Interaction.Channel.PHONE,
    opened_at: datetime.datetime | None = None,
) -> Complaint:
    """Open a case. Without an interaction to open it from, log the complaint as one first.

    ``opened_at`` back-dates a complaint heard earlier; its targets count from then."""
    opened_at = opened_at or timezone.now()
    if severity not in Complaint.Severity.values:
        raise ValidationError({"severity": _("Choose a severity: low, normal, high or urgent.")})
    if interaction is not None and interaction.customer_id != customer.pk:
        raise ValidationError(_("That interaction belongs to another customer."))
    if interaction is None:
        interaction = interaction_log(
            customer=customer,
            author=opened_by,
            kind=Interaction.Kind.COMPLAINT,
            channel=channel,
            summary=summary,
            details=details,
            initiated_by=Interaction.Initiator.CUSTOMER,
            outcome=Interaction.Outcome.FELL_SHORT,
            occurred_at=opened_at,
        )
    respond_by, resolve_by = complaint_targets(severity, opened_at)
    complaint = Complaint(
        customer=customer,
        interaction=interaction,
        summary=summary,
        severity=severity,
        assignee=assignee or customer.owner or opened_by,
        opened_by=opened_by,
        opened_at=opened_at,
        respond_by=respond_by,
        resolve_by=resolve_by,
    )
    complaint.full_clean()
    complaint.save()
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.OPENED,
        at=opened_at,
        actor=opened_by,
        to_status=complaint.status,
        note=complaint.get_severity_display(),
    )
    complaint_email_queue(complaint, ACKNOWLEDGEMENT)
    customer_experience_changed.send(sender=Complaint, customer_id=customer.pk)
    return complaint


@transaction.atomic
def complaint_transition(
    complaint: Complaint,
    *,
    to_status: str,
    actor,
    resolution_summary: str = "",
    note: str = "",
) -> Complaint:
    """Move a case along its workflow. A move the workflow does not allow changes nothing."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if to_status not in locked.allowed_transitions():
        raise ValidationError(
            _("This complaint is %(from)s, so it cannot move to %(to)s.")
            % {
                "from": locked.get_status_display().lower(),
                "to": Complaint.Status(to_status).label.lower()
                if to_status in Complaint.Status.values
                else to_status,
            }
        )
    resolution_summary = resolution_summary.strip()
    if to_status == Complaint.Status.RESOLVED and not resolution_summary:
        raise ValidationError(
            {"resolution_summary": _("Say how it was resolved before marking it resolved.")}
        )
    now = timezone.now()
    from_status = locked.status
    locked.status = to_status
    if to_status != Complaint.Status.OPEN and locked.first_response_at is None:
        locked.first_response_at = now
    if to_status == Complaint.Status.RESOLVED:
        locked.resolved_at = now
        locked.resolution_summary = resolution_summary
    elif to_status == Complaint.Status.CLOSED:
        locked.closed_at = now
    elif to_status == Complaint.Status.OPEN:
        # Reopened: it is live again, and its next resolution is news to the customer; one
        # not yet sent is no longer true.
        locked.resolved_at = locked.closed_at = locked.resolution_notice_sent_at = None
        complaint_resolution_withdraw(locked)
    locked.save()
    ComplaintEvent.objects.create(
        complaint=locked,
        kind=ComplaintEvent.Kind.STATUS,
        actor=actor,
        at=now,
        from_status=from_status,
        to_status=to_status,
        note=resolution_summary if to_status == Complaint.Status.RESOLVED else note,
    )
    if to_status == Complaint.Status.RESOLVED:
        complaint_email_queue(locked, RESOLUTION)
    if to_status in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED, Complaint.Status.OPEN):
        customer_experience_changed.send(sender=Complaint, customer_id=locked.customer_id)
    complaint.refresh_from_db()
    return complaint


@transaction.atomic
def complaint_update(
    complaint: Complaint, *, actor, assignee=None, remedy=None, remedy_accepted=None
) -> Complaint:
    """Change who handles a case, or the remedy offered and whether it was accepted."""
    # Lock and re-read, as complaint_transition does: saving a stale copy would undo a status
    # change someone else made since this one was loaded.
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    events, changed = [], []
    if assignee is not None and assignee.pk != locked.assignee_id:
        locked.assignee = assignee
        changed.append("assignee")
        events.append((ComplaintEvent.Kind.ASSIGNED, person_name(assignee)))
    if remedy is not None and (remedy, remedy_accepted) != (
        locked.remedy,
        locked.remedy_accepted,
    ):
        locked.remedy, locked.remedy_accepted = remedy, remedy_accepted
        changed += ["remedy", "remedy_accepted"]
        accepted = {True: _("accepted"), False: _("declined"), None: _("no answer yet")}
        events.append(
            (
                ComplaintEvent.Kind.REMEDY,
                f"{locked.get_remedy_display()} ({accepted[remedy_accepted]})",
            )
        )
    if not events:
        return complaint
    # Only what changed: an old case whose opener's account was deleted must stay editable.
    locked.full_clean(
        exclude=[f.name for f in Complaint._meta.fields if f.name not in changed],
        validate_unique=False,
        validate_constraints=False,
    )
    locked.save(update_fields=[*changed, "updated_at"])
    ComplaintEvent.objects.bulk_create(
        ComplaintEvent(complaint=locked, kind=kind, actor=actor, note=note) for kind, note in events
    )
    if "remedy_accepted" in changed:
        customer_experience_changed.send(sender=Complaint, customer_id=locked.customer_id)
    complaint.refresh_from_db()
    return complaint


@transaction.atomic
def complaint_customer_replied(complaint: Complaint, *, text: str, at=None) -> ComplaintEvent:
    """A customer's reply about a case: on the case as their message, and a reminder for the
    assignee (My day and their next digest). A reply to a case resolved or closed within
    REOPEN_ON_REPLY_DAYS reopens it: the customer is not done with it."""
    at = at or timezone.now()
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    event = ComplaintEvent.objects.create(
        complaint=locked, kind=ComplaintEvent.Kind.REPLY, at=at, note=text
    )
    finished_at = locked.closed_at or locked.resolved_at
    recently = at - datetime.timedelta(days=settings.REOPEN_ON_REPLY_DAYS)
    if locked.status not in Complaint.OPEN_STATUSES and finished_at and finished_at >= recently:
        complaint_transition(
            locked,
            to_status=Complaint.Status.OPEN,
            actor=None,
            note=_("Reopened: the customer replied."),
        )
    if locked.assignee_id:
        today = timezone.localdate(at)
        reminder = {"kind": Reminder.Kind.COMPLAINT_REPLY, "object_id": locked.pk, "due_on": today}
        Reminder.objects.bulk_create(
            [Reminder(**reminder, customer_id=locked.customer_id, recipient_id=locked.assignee_id)],
            ignore_conflicts=True,
        )
        # A second reply the same day, after the first was dealt with, is news again.
        Reminder.objects.filter(**reminder).exclude(state__in=Reminder.LIVE_STATES).update(
            state=Reminder.State.PENDING, done_at=None
        )
    return event
