"""Complaint cases: opening, the status workflow, remedies and the customer emails."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import email_sweep_window
from core.emails import send_templated_email
from core.enqueue import enqueue
from core.people import person_name
from customers.models import Customer
from customers.unsubscribe import unsubscribe_headers, unsubscribe_url
from interactions.models import Complaint, ComplaintEvent, Interaction
from interactions.services import interaction_log
from interactions.signals import customer_experience_changed

logger = logging.getLogger(__name__)

ACKNOWLEDGEMENT = "acknowledgement"
RESOLUTION = "resolution"
_SENT_FIELD = {ACKNOWLEDGEMENT: "acknowledgement_sent_at", RESOLUTION: "resolution_notice_sent_at"}


def complaint_targets(
    severity: str, opened_at: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """Respond-by and resolve-by for a case of this severity opened at ``opened_at``."""
    respond_hours, resolve_hours = settings.COMPLAINT_TARGET_HOURS[severity]
    return (
        opened_at + datetime.timedelta(hours=respond_hours),
        opened_at + datetime.timedelta(hours=resolve_hours),
    )


def _enqueue_email(complaint: Complaint, which: str) -> None:
    from interactions.tasks import send_complaint_email

    # robust: the case is already committed when this runs. If the broker is down, raising here
    # would show the user a 500 for a saved case and invite a duplicate; log it instead.
    complaint_id = complaint.pk
    transaction.on_commit(lambda: enqueue(send_complaint_email, complaint_id, which), robust=True)


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
    _enqueue_email(complaint, ACKNOWLEDGEMENT)
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
        # Reopened: it is live again, and its next resolution is news to the customer.
        locked.resolved_at = locked.closed_at = locked.resolution_notice_sent_at = None
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
        _enqueue_email(locked, RESOLUTION)
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


def complaint_send_email(complaint_id: int, which: str) -> bool:
    """Send the acknowledgement or resolution email once. Returns whether it was sent.

    The row is claimed with a conditional UPDATE first, so a retried or duplicated task sends
    nothing twice; if sending fails the claim is released for the retry.
    """
    field = _SENT_FIELD[which]
    complaint = Complaint.objects.select_related("customer").get(pk=complaint_id)
    customer = complaint.customer
    if not customer.email or customer.email_opt_out:
        return False
    if which == RESOLUTION and complaint.status not in (
        Complaint.Status.RESOLVED,
        Complaint.Status.CLOSED,
    ):
        return False
    claimed = Complaint.objects.filter(pk=complaint_id, **{f"{field}__isnull": True}).update(
        **{field: timezone.now()}
    )
    if not claimed:
        return False
    try:
        send_templated_email(
            f"complaint-{which}",
            to=[customer.email],
            context={
                "complaint": complaint,
                "customer": customer,
                "unsubscribe_url": unsubscribe_url(customer),
            },
            headers=unsubscribe_headers(customer),
        )
    except Exception:
        Complaint.objects.filter(pk=complaint_id).update(**{field: None})
        raise
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.EMAIL,
        note=_("Acknowledgement sent") if which == ACKNOWLEDGEMENT else _("Resolution notice sent"),
    )
    return True


def _email_event_since(field: str) -> Exists:
    """The case has an email event (sent, or given up on) at or after its ``field`` time."""
    return Exists(
        ComplaintEvent.objects.filter(
            complaint_id=OuterRef("pk"), kind=ComplaintEvent.Kind.EMAIL, at__gte=OuterRef(field)
        )
    )


def complaint_emails_resend_pending(now: datetime.datetime | None = None) -> int:
    """Enqueue again the acknowledgements and resolution notices still unsent well after their
    event: the broker was down when the case was saved. The claim keeps each to one email."""
    from interactions.tasks import send_complaint_email

    window = email_sweep_window(now or timezone.now(), settings.PENDING_EMAIL_RESEND_AFTER_SECONDS)
    reachable = Complaint.objects.filter(customer__email_opt_out=False).exclude(customer__email="")
    # An email event after the event itself is complaint_email_failed's note for a person to
    # contact the customer another way: an email arriving after that would cross with them.
    acknowledgements = reachable.filter(
        acknowledgement_sent_at__isnull=True, opened_at__range=window
    ).exclude(_email_event_since("opened_at"))
    resolutions = reachable.filter(
        status__in=[Complaint.Status.RESOLVED, Complaint.Status.CLOSED],
        resolution_notice_sent_at__isnull=True,
        resolved_at__range=window,
    ).exclude(_email_event_since("resolved_at"))
    pending = [
        *((pk, ACKNOWLEDGEMENT) for pk in acknowledgements.values_list("pk", flat=True)),
        *((pk, RESOLUTION) for pk in resolutions.values_list("pk", flat=True)),
    ]
    for complaint_id, which in pending:
        send_complaint_email.delay(complaint_id, which)
    if pending:
        logger.warning("Enqueued %s complaint emails again that had lost their task", len(pending))
    return len(pending)


def complaint_emails_abandoned(now: datetime.datetime | None = None) -> int:
    """Put on the case's timeline a customer email whose worker died between claiming and
    sending it. It may have gone out, so it is not sent again (the customer could get two);
    the note asks a person to check, as after any failure. Returns how many were found."""
    window = email_sweep_window(now or timezone.now(), settings.EMAIL_ABANDONED_AFTER_SECONDS)
    found = 0
    for which, field in _SENT_FIELD.items():
        # A send that finished, either way, wrote an email event after its claim.
        abandoned = Complaint.objects.filter(**{f"{field}__range": window}).exclude(
            _email_event_since(field)
        )
        for complaint_id in abandoned.values_list("pk", flat=True):
            complaint_email_failed(
                complaint_id,
                which,
                _("the worker stopped while sending it, so it may not have gone out"),
            )
            found += 1
    return found


def complaint_email_failed(complaint_id: int, which: str, error: Exception) -> None:
    """Put a customer email that could not be sent, even after retries, on the case's timeline,
    so someone contacts the customer another way instead of it being lost in a worker log."""
    what = _("acknowledgement") if which == ACKNOWLEDGEMENT else _("resolution notice")
    ComplaintEvent.objects.create(
        complaint_id=complaint_id,
        kind=ComplaintEvent.Kind.EMAIL,
        note=_("Could not email the %(what)s to the customer: %(error)s")
        % {"what": what, "error": error},
    )
