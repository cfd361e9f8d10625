"""Signed unsubscribe links: a customer opts out of email without logging in.

A link signs the customer's id and the moment it was made with SECRET_KEY. It works for
UNSUBSCRIBE_LINK_DAYS, long enough for any email a customer still keeps, and a new key retires
every link at once, together with anything forged with the old one.

The link of a marketing email says so (``?scope=marketing``): a mail client's one-click
unsubscribe from it stops news and offers only, and the customer's cases and surveys still
reach them. The scope is not signed: whoever holds the link may already stop all email with it.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "rapport.customers.unsubscribe"

VALID, EXPIRED, INVALID = "valid", "expired", "invalid"

# What an email's unsubscribe link stops when nobody chooses: every email, or news and offers.
ALL, MARKETING = "all", "marketing"
# The audit trail's reason for an opt-out made through a link, which announcements count.
UNSUBSCRIBED_REASON = "Unsubscribed through an email link"
SCOPES = (ALL, MARKETING)


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


def read_scope(value) -> str:
    """The scope a link's query names: MARKETING only when it says so, else ALL."""
    return MARKETING if value == MARKETING else ALL


def unsubscribe_url(customer, scope: str = ALL) -> str:
    """The link for an email's footer; ``scope`` MARKETING for news and offers."""
    if scope not in SCOPES:
        raise ValueError(f"unknown unsubscribe scope {scope!r}")
    url = settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(customer)])
    return url + "?" + urlencode({"scope": scope}) if scope == MARKETING else url


def unsubscribe_headers(customer, scope: str = ALL) -> dict:
    """RFC 8058 one-click headers, so mail clients offer their own unsubscribe button."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(customer, scope)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
