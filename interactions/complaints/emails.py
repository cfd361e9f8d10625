"""The customer's complaint emails, through the outbox, and what their outcome puts on the case."""

from django.utils.translation import gettext as _

from core.models import OutgoingEmail
from core.outbox.queue import emails_withdraw
from customers.emails import customer_email_queue
from interactions.models import Complaint, ComplaintEvent

ACKNOWLEDGEMENT = "acknowledgement"
RESOLUTION = "resolution"
_SENT_FIELD = {ACKNOWLEDGEMENT: "acknowledgement_sent_at", RESOLUTION: "resolution_notice_sent_at"}
KINDS = {f"complaint-{which}": which for which in _SENT_FIELD}


def complaint_email_queue(complaint: Complaint, which: str) -> OutgoingEmail | None:
    """Queue the acknowledgement or resolution email, in the caller's transaction."""
    return customer_email_queue(
        f"complaint-{which}", complaint.customer, {"complaint": complaint}, about=complaint
    )


def complaint_resolution_withdraw(complaint: Complaint) -> None:
    """A case reopened before its resolution notice went: the notice is no longer true."""
    emails_withdraw(f"complaint-{RESOLUTION}", complaint)


def complaint_email_settled(sender, email: OutgoingEmail, **kwargs) -> None:
    """Put the email's outcome on the case's timeline: sent, or a note for whoever works the
    case to reach the customer another way, instead of it being lost in a worker log."""
    which = KINDS.get(email.kind)
    if which is None:
        return
    if email.state == OutgoingEmail.State.SENT:
        Complaint.objects.filter(pk=email.about_id).update(**{_SENT_FIELD[which]: email.sent_at})
        sent = {ACKNOWLEDGEMENT: _("Acknowledgement sent"), RESOLUTION: _("Resolution notice sent")}
        note = sent[which]
    else:
        what = _("acknowledgement") if which == ACKNOWLEDGEMENT else _("resolution notice")
        note = (
            _("The %(what)s may not have reached the customer: %(error)s")
            if email.state == OutgoingEmail.State.UNCERTAIN
            else _("Could not email the %(what)s to the customer: %(error)s")
        ) % {"what": what, "error": email.last_error}
    ComplaintEvent.objects.create(
        complaint_id=email.about_id, kind=ComplaintEvent.Kind.EMAIL, note=note
    )
