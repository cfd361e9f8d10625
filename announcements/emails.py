"""The email of an announcement, as each customer gets it."""

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.models import OutgoingEmail
from customers.emails import customer_email
from customers.unsubscribe import ALL, MARKETING

from .formatting import body_html
from .models import Announcement, Recipient

KIND = "announcement"


def announcement_email(
    announcement: Announcement,
    *,
    customer=None,
    recipient: Recipient | None = None,
    to="",
    test=False,
    html: str | None = None,
) -> OutgoingEmail | None:
    """Ready to queue: to the recipient's customer (None if they take no email now), or a
    ``test`` to ``to``. Its Reply-To names the recipient, so a reply lands on that customer
    alone. ``html`` is the body as body_html renders it, when the caller has it already."""
    email = customer_email(
        KIND,
        customer,
        {
            "announcement": announcement,
            # Sanitised to a few tags by body_html.
            "body_html": mark_safe(body_html(announcement.body) if html is None else html),
            "test": test,
        },
        about=recipient or announcement,
        to=to,
        # A test has no customer whose consent could be asked, nor an unsubscribe link.
        scope=MARKETING if announcement.kind == Announcement.Kind.MARKETING and not test else ALL,
    )
    if email is not None and test:
        email.subject = _("[Test] %(subject)s") % {"subject": email.subject}
    return email
