"""Signed unsubscribe links: a customer opts out of email without logging in."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "rapport.customers.unsubscribe"


def unsubscribe_token(customer) -> str:
    return signing.dumps(customer.pk, salt=SALT)


def customer_id_from_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def unsubscribe_url(customer) -> str:
    return settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(customer)])


def unsubscribe_headers(customer) -> dict:
    """RFC 8058 one-click headers, so mail clients offer their own unsubscribe button."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(customer)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
