"""Signed links that confirm a customer's consent to marketing email (double opt-in).

Ticking "Send me news and offers" on the public form proves nothing: anyone can type anyone's
address. The link, emailed to that address, does: only the address's owner can open it. It
signs the customer's id and a keyed hash of their address with SECRET_KEY and its own salt, so
it cannot be made up, cannot be an unsubscribe or survey link, stops working after
CONSENT_LINK_DAYS, and confirms nothing once the customer's address has changed (the consent
was proven for the old one). A new key retires every link at once.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.addresses import keyed_hash

from .models import Customer
from .services import normalise_email

SALT = "rapport.customers.marketing-consent"
CONSENT_LINK_DAYS = 30

VALID, EXPIRED, INVALID = "valid", "expired", "invalid"


def _address_key(email: str) -> str:
    # The address itself would sit in every web server log the link passes through.
    return keyed_hash("customers.consent-address", normalise_email(email))[:20]


def consent_token(customer: Customer) -> str:
    return signing.dumps([customer.pk, _address_key(customer.email)], salt=SALT)


def consent_url(customer: Customer) -> str:
    """The link the confirmation email carries, for the customer's current address."""
    return settings.SITE_URL + reverse("marketing-consent", args=[consent_token(customer)])


def read_consent_token(token: str) -> tuple[Customer | None, str]:
    """The customer a link confirms consent for, and VALID; or None and EXPIRED for a genuine
    link past its time; None and INVALID for a mangled, made-up or foreign link, or one for a
    customer who is gone or whose address has changed since."""
    max_age = datetime.timedelta(days=CONSENT_LINK_DAYS)
    try:
        customer_id, address_key = signing.loads(token, salt=SALT, max_age=max_age)
        customer_id = int(customer_id)
    except signing.SignatureExpired:
        return None, EXPIRED
    except (signing.BadSignature, TypeError, ValueError):
        return None, INVALID
    customer = Customer.objects.filter(pk=customer_id).exclude(email="").first()
    if customer is None or _address_key(customer.email) != address_key:
        return None, INVALID
    return customer, VALID
