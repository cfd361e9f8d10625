"""Threading: each email's Message-ID, and for an email to a customer about something (a case)
a Reply-To address that names it, signed, so that a reply finds its way back."""

import hashlib
import hmac
import re
from email.utils import make_msgid

from django.conf import settings

from core.models import OutgoingEmail

_TOKEN = re.compile(r"^reply\+(\d{1,18})-([0-9a-f]{16})@", re.IGNORECASE)


def new_message_id() -> str:
    return make_msgid(domain=settings.INBOUND_DOMAIN)


def _signature(email_id: int) -> str:
    key = hashlib.sha256(b"rapport.reply-to:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, str(email_id).encode(), hashlib.sha256).hexdigest()[:16]


def reply_address(email: OutgoingEmail) -> str | None:
    """The Reply-To of an email a customer may answer; None for staff email and for one about
    nothing. Lower-case hex, since some mail servers change the case of an address."""
    if email.about_id is None or not email.to_customer:
        return None
    return f"reply+{email.pk}-{_signature(email.pk)}@{settings.INBOUND_DOMAIN}"


def email_id_replied_to(address: str) -> int | None:
    """The id of the email whose Reply-To ``address`` is, if its signature holds; no query."""
    match = _TOKEN.match(address.strip())
    if match is None:
        return None
    email_id, signature = int(match[1]), match[2].lower()
    return email_id if hmac.compare_digest(signature, _signature(email_id)) else None


def email_replied_to(address: str) -> OutgoingEmail | None:
    """The email whose Reply-To ``address`` is, if its signature holds."""
    email_id = email_id_replied_to(address)
    return OutgoingEmail.objects.filter(pk=email_id).first() if email_id else None
