"""The customer's complaint emails, through the outbox, and what their outcome puts on the case.

Each carries a link of its own to the case's page (case_links), so each is secret: the outbox
erases its bodies once it is sent."""

from django.utils.translation import gettext as _

from core.models import OutgoingEmail
from core.outbox.queue import emails_withdraw
from customers.emails import customer_email_queue
from interactions.models import Complaint, ComplaintEvent

from .case_links import case_link_new

ACKNOWLEDGEMENT = "acknowledgement"
RESOLUTION = "resolution"
UPDATE = "update"  # a message from staff about the case
NEW_LINK = "link"  # the old links stopped working: here is a new one
_SENT_FIELD = {ACKNOWLEDGEMENT: "acknowledgement_sent_at", RESOLUTION: "resolution_notice_sent_at"}
KINDS = {f"complaint-{which}": which for which in (ACKNOWLEDGEMENT, RESOLUTION, UPDATE, NEW_LINK)}


def complaint_email_queue(complaint: Complaint, which: str, **context) -> OutgoingEmail | None:
    """Queue one of the case's emails (templates/emails/complaint-<which>-*), in the caller's
    transaction; None if the customer takes no email."""
    customer = complaint.customer
    if not customer.email or customer.email_refused:
        return None  # and no link to the case's page, which nobody would receive
    return customer_email_queue(
        f"complaint-{which}",
        complaint.customer,
        {**context, "complaint": complaint, "case_url": case_link_new(complaint)},
        about=complaint,
        secret=True,
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
        if which in _SENT_FIELD:
            Complaint.objects.filter(pk=email.about_id).update(
                **{_SENT_FIELD[which]: email.sent_at}
            )
        sent = {
            ACKNOWLEDGEMENT: _("Acknowledgement sent"),
            RESOLUTION: _("Resolution notice sent"),
            UPDATE: _("Message to the customer sent"),
            NEW_LINK: _("New link sent"),
        }
        note = sent[which]
    else:
        what = {
            ACKNOWLEDGEMENT: _("acknowledgement"),
            RESOLUTION: _("resolution notice"),
            UPDATE: _("message"),
            NEW_LINK: _("new link"),
        }[which]
        note = (
            _("The %(what)s may not have reached the customer: %(error)s")
            if email.state == OutgoingEmail.State.UNCERTAIN
            else _("Could not email the %(what)s to the customer: %(error)s")
        ) % {"what": what, "error": email.last_error}
    ComplaintEvent.objects.create(
        complaint_id=email.about_id, kind=ComplaintEvent.Kind.EMAIL, note=note
    )
