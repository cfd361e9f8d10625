"""What an announcement's page shows: how far it has got, and what came of it."""

from django.db.models import Count, Q

from core.models import OutgoingEmail
from core.outbox.replies import email_id_replied_to
from customers.models import Customer
from customers.unsubscribe import UNSUBSCRIBED_REASON
from inbound.models import InboundMessage

from .models import Announcement, Recipient

E = OutgoingEmail.State


def progress(announcement: Announcement) -> dict:
    """sent, failed, waiting (not yet sent), skipped and total, from one query."""
    rows = (
        announcement.recipients.values("state", "email__state").annotate(n=Count("pk")).order_by()
    )
    figures = {"sent": 0, "failed": 0, "waiting": 0, "skipped": 0}
    for row in rows:
        if row["state"] == Recipient.State.SKIPPED:
            figures["skipped"] += row["n"]
        elif row["email__state"] == E.SENT:
            figures["sent"] += row["n"]
        elif row["email__state"] in (E.FAILED, E.UNCERTAIN):
            figures["failed"] += row["n"]
        else:
            figures["waiting"] += row["n"]
    figures["total"] = sum(figures.values())
    done = figures["total"] - figures["waiting"]
    figures["percent"] = round(100 * done / figures["total"]) if figures["total"] else 100
    figures["state"] = announcement.state
    return figures


def results(announcement: Announcement) -> dict:
    """Since it started going out: who bounced, unsubscribed, or replied to it."""
    if announcement.started_at is None:
        return {"bounced": 0, "unsubscribed": 0, "replied": 0}
    since = announcement.started_at
    customers = Customer.objects.filter(announcements_received__announcement=announcement)
    bounced = customers.filter(email_bouncing_since__gte=since).count()
    withdrew = customers.filter(marketing_consent_withdrawn_at__gte=since).values("pk")
    opted_out = (
        Customer.history.filter(
            id__in=customers.values("pk"),
            history_date__gte=since,
            history_change_reason=UNSUBSCRIBED_REASON,
        )
        .values("id")
        .distinct()
    )
    unsubscribed = Customer.objects.filter(Q(pk__in=withdrew) | Q(pk__in=opted_out)).count()
    email_ids = set(announcement.recipients.exclude(email=None).values_list("email_id", flat=True))
    repliers = set()
    for envelope in InboundMessage.objects.filter(
        received_at__gte=since, envelope_to__icontains="reply+"
    ).values_list("envelope_to", flat=True):
        repliers.update(filter(None, map(email_id_replied_to, envelope.split())))
    return {
        "bounced": bounced,
        "unsubscribed": unsubscribed,
        "replied": len(repliers & email_ids),
    }
