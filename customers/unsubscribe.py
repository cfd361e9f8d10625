"""Signed unsubscribe links: a customer opts out of email without logging in.

A link signs the customer's id and the moment it was made with SECRET_KEY. It works for
UNSUBSCRIBE_LINK_DAYS, long enough for any email a customer still keeps, and a new key retires
every link at once, together with anything forged with the old one.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "rapport.customers.unsubscribe"

VALID, EXPIRED, INVALID = "valid", "expired", "invalid"


def unsubscribe_token(customer) -> str:
    return signing.dumps(customer.pk, salt=SALT)


def read_unsubscribe_token(token: str) -> tuple[int | None, str]:
    """The customer id a link stands for, and VALID; or None and EXPIRED for a genuine link
    past its time, None and INVALID for a mangled, made-up or foreign-key one."""
    max_age = datetime.timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS)
    try:
        return int(signing.loads(token, salt=SALT, max_age=max_age)), VALID
    except signing.SignatureExpired:
        return None, EXPIRED
    except (signing.BadSignature, TypeError, ValueError):
        return None, INVALID


def unsubscribe_url(customer) -> str:
    return settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(customer)])


def unsubscribe_headers(customer) -> dict:
    """RFC 8058 one-click headers, so mail clients offer their own unsubscribe button."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(customer)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
