"""Delivery reports: which address of ours bounced, so that no more email goes to it."""

import email
import email.policy
import re

from core.models import OutgoingEmail
from customers.services import customers_mark_bouncing

_RECIPIENT = re.compile(
    r"^Final-Recipient:\s*rfc822;\s*(\S+@\S+)\s*$", re.IGNORECASE | re.MULTILINE
)
_FAILED = re.compile(r"^Action:\s*failed\s*$", re.IGNORECASE | re.MULTILINE)


def bounced_addresses(raw: bytes) -> list[str]:
    """The addresses a delivery report (RFC 3464) says failed for good."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    found = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        # The status fields arrive as header blocks; their text is enough for two fields.
        status = part.as_string() if part.is_multipart() else str(part.get_payload())
        if _FAILED.search(status):
            found += [address.strip("<>").lower() for address in _RECIPIENT.findall(status)]
    return list(dict.fromkeys(found))


def bounces_record(raw: bytes) -> list[str]:
    """Mark as bouncing the customers at the failed addresses we sent to; the addresses."""
    marked = []
    for address in bounced_addresses(raw):
        if OutgoingEmail.objects.filter(to__iexact=address).exists() and customers_mark_bouncing(
            address
        ):
            marked.append(address)
    return marked
