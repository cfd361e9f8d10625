"""Emails to customers, the one way they are queued: only to those who take email, and always
with the way out (the unsubscribe link in the body and RFC 8058 one-click headers)."""

from core.emails import render_email
from core.models import OutgoingEmail
from core.outbox.queue import emails_queue

from .models import Customer
from .unsubscribe import ALL, MARKETING, unsubscribe_headers, unsubscribe_url


def customer_email_queue(name: str, customer: Customer | None, context: dict, **kwargs):
    """Queue the email ``name`` (see customer_email); None if they take no email."""
    email = customer_email(name, customer, context, **kwargs)
    return emails_queue([email])[0] if email else None


def customer_email(
    name: str,
    customer: Customer | None,
    context: dict,
    *,
    about,
    to: str = "",
    secret: bool = False,
    scope: str = ALL,
    language: str | None = None,
) -> OutgoingEmail | None:
    """The email ``name`` (templates/emails/<name>-*) to the customer, or to ``to`` for
    someone not (yet) a customer, ready to queue; None for a customer who opted out, whose
    address bounces, or who has no address.

    ``scope`` MARKETING is for news and offers: only a customer with recorded consent gets one,
    and its unsubscribe link (and a mail client's one-click) stops news and offers only.
    It is written in the customer's language; to someone not a customer, in ``language`` (the
    one they wrote to us in), else the default.
    """
    to = to or (customer.email if customer else "")
    if not to or (customer is not None and customer.email_refused):
        return None
    if scope == MARKETING and (customer is None or not customer.has_marketing_consent):
        return None
    link = unsubscribe_url(customer, scope) if customer else ""
    return OutgoingEmail(
        kind=name,
        to=to,
        headers=unsubscribe_headers(customer, scope) if customer else {},
        about=about,
        person_id=customer.owner_id if customer else None,
        to_customer=True,
        secret=secret,
        **render_email(
            name,
            {**context, "customer": customer, "unsubscribe_url": link},
            language=customer.language if customer else language,
        ),
    )
