"""The suppression list: the email addresses of erased customers, as keyed hashes only.

An erased customer's address must not come back unnoticed through an import or the public form,
yet keeping the address itself would keep what they asked us to forget. A keyed hash (HMAC-SHA256)
answers "was this address erased?" for an address in hand, and nothing else: without the key it
cannot be tested against a list of guesses. The key is SUPPRESSION_KEY, or SECRET_KEY when that
is unset; changing the key that is in use empties the list in effect.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils.crypto import salted_hmac

from .models import SuppressedEmail
from .services import normalise_email

_SALT = "rapport.customers.suppressed-email"


def suppression_hash(email: str) -> str:
    """The keyed hash of an address, compared as the customers' unique constraint does."""
    key = settings.SUPPRESSION_KEY or settings.SECRET_KEY
    return salted_hmac(_SALT, normalise_email(email), secret=key, algorithm="sha256").hexdigest()


def emails_suppress(emails: Iterable[str]) -> None:
    """Put these addresses on the suppression list; one already on it stays as it was."""
    hashes = {suppression_hash(email) for email in emails if normalise_email(email)}
    SuppressedEmail.objects.bulk_create(
        [SuppressedEmail(email_hash=value) for value in sorted(hashes)], ignore_conflicts=True
    )


def suppressed_among(emails: Iterable[str]) -> set[str]:
    """Which of these addresses (normalised) are on the suppression list, in one query."""
    by_hash = {suppression_hash(email): normalise_email(email) for email in emails if email}
    if not by_hash:
        return set()
    found = SuppressedEmail.objects.filter(email_hash__in=by_hash).values_list(
        "email_hash", flat=True
    )
    return {by_hash[value] for value in found}


def is_suppressed(email: str) -> bool:
    return bool(suppressed_among([email]))
