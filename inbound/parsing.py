"""Reading a raw email: who it is from and to, what it says, and whether a person wrote it."""

import dataclasses
import datetime
import email
import email.policy
import email.utils
import functools
import hashlib
import html
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
# "Fwd:" and its kin in the mail programs of English, German, Spanish and French speakers.
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw|wg|rv|tr|enc)\s*:\s*", re.IGNORECASE)
_FORWARD_MARKER = re.compile(
    r"forwarded message|weitergeleitete nachricht|mensaje reenviado|message transf[ée]r[ée]",
    re.IGNORECASE,
)
# A line of the header block a mail program writes above the text it forwards.
_QUOTED_HEADER = re.compile(
    r"^[ \t>*]*(from|von|de|date|datum|fecha|sent|gesendet|enviado|subject|betreff|asunto|to|an"
    r"|para|cc)\*?[ \t]*:[ \t]*(.*)$",
    re.IGNORECASE,
)
_FROM_NAMES = {"from", "von", "de"}
_SUBJECT_NAMES = {"subject", "betreff", "asunto"}
_DATE_NAMES = {"date", "datum", "fecha", "sent", "gesendet", "enviado"}
# What a mail program puts in an HTML body that is no text of the email: the stylesheet, the
# scripts and the head's title.
_HTML_UNSEEN = re.compile(r"<(head|style|script)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


# Headers short enough to keep once parsed: any MIME header, not a long References or To.
_KEPT_HEADER_LENGTH = 1000


@functools.lru_cache(maxsize=256)
def _header(name: str, value: str):
    return email.policy.default.header_fetch_parse(name, value)


class _ReadOncePolicy(email.policy.EmailPolicy):
    """policy.default, parsing a header value once. The email package parses a header each time
    it is read: Content-Type some fifteen times a message as its parts are walked. Parsed headers
    are immutable, so the last few hundred short ones are kept, and the Content-Types that recur
    from message to message are parsed once for all of them."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name") or len(value) > _KEPT_HEADER_LENGTH:
            return super().header_fetch_parse(name, value)
        return _header(name, value)


_POLICY = _ReadOncePolicy()


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
    forwarded: "Forwarded | None" = None
    forwarded_by: str = ""  # read as the forwarded email: who forwarded it


@dataclass
class Forwarded:
    """The email someone forwarded: inline below the forwarder's note, or attached whole."""

    sender: str
    sender_name: str
    subject: str
    sent_at: datetime.datetime | None
    text: str

    def as_email(self, forward: ParsedEmail) -> ParsedEmail:
        """The forward read as the original sender's email, with the forward's attachments."""
        return dataclasses.replace(
            forward,
            sender=self.sender,
            sender_name=self.sender_name,
            subject=self.subject or _FORWARD_SUBJECT.sub("", forward.subject),
            sent_at=self.sent_at,
            text=self.text,
            forwarded=None,
            forwarded_by=forward.sender,
        )


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
    message = email.message_from_bytes(raw, policy=_POLICY)
    senders = _mailboxes(message, "From")
    name, sender = _sender(senders)
    subject = _subject(message)
    body = _body_text(message)
    return ParsedEmail(
        subject=subject,
        sender=sender,
        sender_name=name,
        recipients=_addresses(message, "To") + _addresses(message, "Cc"),
        references=_references(message),
        sent_at=_date(message),
        text=_latest_reply(body),
        attachments=_attachments(message),
        automatic=_automatic(message, senders),
        forwarded=_forwarded(message, subject, body),
    )


def _mailboxes(message: EmailMessage, header: str) -> list[tuple[str, str]]:
    """The (name, address) pairs of every ``header`` of the message, in order."""
    return email.utils.getaddresses([str(value) for value in message.get_all(header, [])])


def _sender(senders: list[tuple[str, str]]) -> tuple[str, str]:
    """The first sender's (name, lower-cased address)."""
    name, sender = next(((n, a) for n, a in senders if "@" in a), ("", ""))
    return _printable(" ".join(name.split()))[:200], _printable(sender.strip().lower())


def _subject(message: EmailMessage) -> str:
    return _printable(" ".join(str(message.get("Subject", "")).split()))[:200]


def _printable(text: str) -> str:
    # PostgreSQL keeps no NUL in text, and no person meant one.
    return text.replace("\x00", "")


def _forwarded(message: EmailMessage, subject: str, body: str) -> Forwarded | None:
    """The forwarded email, when this one says it forwards one and carries its sender."""
    if not (_FORWARD_SUBJECT.match(subject) or _FORWARD_MARKER.search(body)):
        return None
    for part in message.walk():
        if part.get_content_type() == "message/rfc822" and part.is_multipart():
            inner = part.get_payload(0)
            name, sender = _sender(_mailboxes(inner, "From"))
            if sender:
                text = _latest_reply(_body_text(inner))
                return Forwarded(sender, name, _subject(inner), _date(inner), text)
    return _forwarded_inline(body)


def _forwarded_inline(body: str) -> Forwarded | None:
    lines = body.splitlines()
    for start, line in enumerate(lines):
        match = _QUOTED_HEADER.match(line)
        if not match or match[1].lower() not in _FROM_NAMES or "@" not in match[2]:
            continue
        fields, end = {}, start
        while end < len(lines) and (header := _QUOTED_HEADER.match(lines[end])):
            fields.setdefault(header[1].lower(), header[2].strip())
            end += 1
        ((name, sender),) = email.utils.getaddresses([match[2]])[:1] or [("", "")]
        if "@" not in sender:
            continue
        value = next((fields[key] for key in _SUBJECT_NAMES if key in fields), "")
        sent = next((fields[key] for key in _DATE_NAMES if key in fields), "")
        text = "\n".join(line.removeprefix(">").removeprefix(" ") for line in lines[end:])
        return Forwarded(
            sender=sender.strip().lower(),
            sender_name=" ".join(name.split())[:200],
            subject=" ".join(value.split())[:200],
            sent_at=_parse_date(sent),
            text=_latest_reply(text.strip()),
        )
    return None


def _addresses(message: EmailMessage, header: str) -> list[str]:
    return _lowered(_mailboxes(message, header))


def _lowered(mailboxes: list[tuple[str, str]]) -> list[str]:
    return [address.strip().lower() for _name, address in mailboxes if "@" in address]


def _references(message: EmailMessage) -> list[str]:
    found = _MESSAGE_IDS.findall(str(message.get("In-Reply-To", "")))
    found += reversed(_MESSAGE_IDS.findall(str(message.get("References", ""))))
    return list(dict.fromkeys(found))[:50]


def _date(message: EmailMessage) -> datetime.datetime | None:
    return _parse_date(str(message.get("Date", "")))


def _parse_date(value: str) -> datetime.datetime | None:
    try:
        sent_at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return sent_at if sent_at and sent_at.tzinfo else None


def _automatic(message: EmailMessage, senders: list[tuple[str, str]]) -> str:
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return _("an automatic reply (Auto-Submitted: %(value)s)") % {"value": auto_submitted}
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return _("bulk or automatic mail (Precedence: %(value)s)") % {"value": precedence}
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return _("an automatic reply (X-Autoreply)")
    if message.get_content_type() == "multipart/report" or any(
        sender.startswith(_DELIVERY_DAEMONS) for sender in _lowered(senders)
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


def _body_text(message: EmailMessage) -> str:
    """The whole text of the message, quoted history and all."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _part_text(body)
    if body.get_content_type() == "text/html":
        text = _html_text(text)
    return _printable(text.replace("\r\n", "\n")).strip()


def _html_text(markup: str) -> str:
    """What an HTML body says: the text of its body, without tags or entities."""
    # Entities after the tags, so that an escaped "&lt;b&gt;" stays as the text it was.
    return html.unescape(strip_tags(_HTML_UNSEEN.sub("", markup)))


def _latest_reply(text: str) -> str:
    """The new text, without the quoted history and the signature."""
    reply = EmailReplyParser(languages=["en", "de", "es"]).read(text=text).latest_reply
    return (reply or text).strip()[:DETAILS_LIMIT]


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        found.append(
            Attachment(_printable(part.get_filename() or "") or _("(no name)"), len(payload))
        )
    return found
