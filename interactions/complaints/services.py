"""Complaint cases: opening, the status workflow and remedies (their emails: emails.py)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import emit
from core.people import person_name
from customers.models import Customer
from interactions.models import Complaint, ComplaintEvent, Interaction, Reminder
from interactions.services import interaction_log
from interactions.signals import customer_experience_changed

from .case_links import case_links_retire
from .emails import (
    ACKNOWLEDGEMENT,
    NEW_LINK,
    RESOLUTION,
    UPDATE,
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
    emit("complaint.opened", complaint)
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
    cause: str = "",
    sub_cause=None,
) -> Complaint:
    """Move a case along its workflow. A move the workflow does not allow changes nothing.
    Resolving it records why it happened (``cause``), which COMPLAINT_CAUSE_REQUIRED makes a
    must."""
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
    if to_status == Complaint.Status.RESOLVED and not cause and settings.COMPLAINT_CAUSE_REQUIRED:
        raise ValidationError({"cause": _("Say why it happened before marking it resolved.")})
    if cause and cause not in Complaint.Cause.values:
        raise ValidationError({"cause": _("Choose a cause from the list.")})
    if sub_cause is not None and sub_cause.cause != cause:
        raise ValidationError({"sub_cause": _("That one belongs under another cause.")})
    now = timezone.now()
    from_status = locked.status
    locked.status = to_status
    if to_status != Complaint.Status.OPEN and locked.first_response_at is None:
        locked.first_response_at = now
    if to_status == Complaint.Status.RESOLVED:
        locked.resolved_at = now
        locked.resolution_summary = resolution_summary
        locked.cause, locked.sub_cause = cause, sub_cause
    elif to_status == Complaint.Status.CLOSED:
        locked.closed_at = now
    elif to_status == Complaint.Status.OPEN:
        # Reopened: it is live again, and its next resolution is news to the customer; one
        # not yet sent is no longer true.
        locked.resolved_at = locked.closed_at = locked.resolution_notice_sent_at = None
        locked.customer_says_fixed = None
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
        emit("complaint.resolved", locked)
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
    _tell_assignee(locked, at)
    return event


def _tell_assignee(complaint: Complaint, at) -> None:
    """A reminder for the assignee: on My day and in their next digest."""
    if not complaint.assignee_id:
        return
    reminder = {
        "kind": Reminder.Kind.COMPLAINT_REPLY,
        "object_id": complaint.pk,
        "due_on": timezone.localdate(at),
    }
    recipient = {"customer_id": complaint.customer_id, "recipient_id": complaint.assignee_id}
    Reminder.objects.bulk_create([Reminder(**reminder, **recipient)], ignore_conflicts=True)
    # A second word from the customer the same day, after the first was dealt with, is news.
    Reminder.objects.filter(**reminder).exclude(state__in=Reminder.LIVE_STATES).update(
        state=Reminder.State.PENDING, done_at=None
    )


# The customer's own page (voice.case_page) and what staff send to it --------------------------


def complaint_seen_by_customer(complaint: Complaint, now=None) -> None:
    """The customer opened their case page: staff see when (not an edit, so no audit row)."""
    Complaint.objects.filter(pk=complaint.pk).update(customer_seen_at=now or timezone.now())


def _with_comment(note: str, comment: str) -> str:
    comment = comment.strip()
    return f"{note}\n{comment}" if comment else note


@transaction.atomic
def complaint_remedy_answer(complaint: Complaint, *, accepted: bool, comment: str = "") -> bool:
    """The customer accepts or declines the remedy offered; False when that was already their
    answer (a second click, a second tab), which changes nothing."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.remedy in (Complaint.Remedy.NONE, Complaint.Remedy.NO_REMEDY):
        raise ValidationError(_("There is no offer on this case to answer."))
    if locked.remedy_accepted is accepted:
        return False
    locked.remedy_accepted = accepted
    locked.save(update_fields=["remedy_accepted", "updated_at"])
    note = (
        _("Remedy accepted by the customer: %(remedy)s")
        if accepted
        else _("Remedy declined by the customer: %(remedy)s")
    ) % {"remedy": locked.get_remedy_display()}
    ComplaintEvent.objects.create(
        complaint=locked, kind=ComplaintEvent.Kind.CUSTOMER, note=_with_comment(note, comment)
    )
    _tell_assignee(locked, timezone.now())
    customer_experience_changed.send(sender=Complaint, customer_id=locked.customer_id)
    complaint.remedy_accepted = accepted
    return True


@transaction.atomic
def complaint_customer_fixed(complaint: Complaint, *, fixed: bool, comment: str = "") -> bool:
    """After the resolution, the customer says whether it is fixed; "not fixed" reopens the
    case and tells the assignee. False when they had already said it is fixed."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.status not in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED):
        raise ValidationError(_("This case is open: we will ask you once it is resolved."))
    if fixed and locked.customer_says_fixed:
        return False
    note = _("The customer says it is fixed.") if fixed else _("The customer says it is not fixed.")
    ComplaintEvent.objects.create(
        complaint=locked, kind=ComplaintEvent.Kind.CUSTOMER, note=_with_comment(note, comment)
    )
    if fixed:
        locked.customer_says_fixed = True
        locked.save(update_fields=["customer_says_fixed", "updated_at"])
    else:
        complaint_transition(
            locked,
            to_status=Complaint.Status.OPEN,
            actor=None,
            note=_("Reopened: the customer says it is not fixed."),
        )
        _tell_assignee(locked, timezone.now())
    customer_experience_changed.send(sender=Complaint, customer_id=locked.customer_id)
    complaint.refresh_from_db()
    return True


@transaction.atomic
def complaint_customer_told(complaint: Complaint, *, actor, message: str) -> ComplaintEvent:
    """Email the customer a message about their case (with the link to its page); the
    message is on the case, and on the customer's page, as ours."""
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Write the message to send.")})
    if complaint_email_queue(complaint, UPDATE, message=message) is None:
        raise ValidationError(_("The customer takes no email: tell them another way."))
    # Writing to them is a response: the first one meets (or misses) the response target.
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.first_response_at is None:
        locked.first_response_at = complaint.first_response_at = timezone.now()
        locked.save(update_fields=["first_response_at", "updated_at"])
    return ComplaintEvent.objects.create(
        complaint=complaint, kind=ComplaintEvent.Kind.TOLD, actor=actor, note=message
    )


@transaction.atomic
def complaint_link_renew(complaint: Complaint, *, actor) -> bool:
    """Stop every link to the case's page working and email the customer a new one; False if
    they take no email (the old links stop all the same)."""
    case_links_retire(complaint)
    sent = complaint_email_queue(complaint, NEW_LINK) is not None
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.LINK,
        actor=actor,
        note=_("The old links stopped working and a new one was emailed.")
        if sent
        else _("The old links stopped working; the customer takes no email, so none was sent."),
    )
    return sent
