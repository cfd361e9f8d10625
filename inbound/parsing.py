"""Reading a raw email: who it is from and to, what it says, and whether a person wrote it."""

import datetime
import email
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from mailparser_reply import EmailReplyParser

# Precedence values that mark mail no person wrote (RFC 3834 section 2, and common practice).
_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DELIVERY_DAEMONS = ("mailer-daemon@", "postmaster@")
DETAILS_LIMIT = 20_000
_MESSAGE_IDS = re.compile(r"<[^<>\s]{1,250}>")


@dataclass
class Attachment:
    name: str
    size: int


@dataclass
class ParsedEmail:
    subject: str
    sender: str  # the From address, lower-cased
    sender_name: str
    recipients: list[str]  # To and Cc, lower-cased
    references: list[str]  # the Message-IDs of In-Reply-To and References, nearest first
    sent_at: datetime.datetime | None
    text: str  # the new text, without the quoted history and the signature
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""  # why no person wrote it, or ""


def dedupe_key(raw: bytes) -> str:
    """The Message-ID, or for a message without one a hash of what its sender wrote (not of
    the Received lines each way in adds)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    message_id = (message.get("Message-ID") or "").strip()
    if message_id:
        return message_id[:255]
    separator = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    body = raw.partition(separator)[2]
    parts = [str(message.get(name, "")) for name in ("From", "To", "Date", "Subject")]
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "replace") + b"\x00" + body)
    return "sha256:" + digest.hexdigest()


def parse(raw: bytes) -> ParsedEmail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    senders = email.utils.getaddresses([str(value) for value in message.get_all("From", [])])
    name, sender = next(((n, a) for n, a in senders if "@" in a), ("", ""))
    return ParsedEmail(
        subject=" ".join(str(message.get("Subject", "")).split())[:200],
        sender=sender.strip().lower(),
        sender_name=" ".join(name.split())[:200],
        recipients=_addresses(message, "To") + _addresses(message, "Cc"),
        references=_references(message),
        sent_at=_date(message),
        text=_new_text(message),
        attachments=_attachments(message),
        automatic=_automatic(message),
    )


def _addresses(message: EmailMessage, header: str) -> list[str]:
    values = [str(value) for value in message.get_all(header, [])]
    return [
        address.strip().lower()
        for _name, address in email.utils.getaddresses(values)
        if "@" in address
    ]


def _references(message: EmailMessage) -> list[str]:
    found = _MESSAGE_IDS.findall(str(message.get("In-Reply-To", "")))
    found += reversed(_MESSAGE_IDS.findall(str(message.get("References", ""))))
    return list(dict.fromkeys(found))[:50]


def _date(message: EmailMessage) -> datetime.datetime | None:
    try:
        sent_at = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    return sent_at if sent_at and sent_at.tzinfo else None


def _automatic(message: EmailMessage) -> str:
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return _("an automatic reply (Auto-Submitted: %(value)s)") % {"value": auto_submitted}
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return _("bulk or automatic mail (Precedence: %(value)s)") % {"value": precedence}
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return _("an automatic reply (X-Autoreply)")
    if message.get_content_type() == "multipart/report" or any(
        sender.startswith(_DELIVERY_DAEMONS) for sender in _addresses(message, "From")
    ):
        return _("a delivery report")
    if message.get("List-Id") or message.get("List-Unsubscribe"):
        return _("a mailing list")
    return ""


def _part_text(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AttributeError):
        # An unknown or wrong charset: the bytes as UTF-8, with what does not decode marked.
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _new_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _part_text(body)
    if body.get_content_type() == "text/html":
        text = strip_tags(text)
    text = text.replace("\r\n", "\n").strip()
    reply = EmailReplyParser(languages=["en", "de", "es"]).read(text=text).latest_reply
    return (reply or text).strip()[:DETAILS_LIMIT]


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        found.append(Attachment(part.get_filename() or _("(no name)"), len(payload)))
    return found
