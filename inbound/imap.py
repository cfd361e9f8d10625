"""Polling the IMAP mailboxes of INBOUND_IMAP_URLS: each new message is stored raw, once, and
the worker files it like one from the SMTP receiver. Mail on the server is only read: never
deleted, moved or marked read."""

import datetime
import logging
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessage, U

from core.errors import describe

from .models import InboundMessage, Mailbox
from .storing import message_store

logger = logging.getLogger(__name__)
# A poll holds its mailbox this long, renewed after each batch; a worker that died frees it then.
LEASE = datetime.timedelta(minutes=10)
FETCH_BATCH = 50


@dataclass(frozen=True)
class MailboxAddress:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str

    @property
    def key(self) -> str:
        """The mailbox without its password, as it is stored and shown."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


def mailbox_address(url: str) -> MailboxAddress:
    """An ``imaps://user:password@host[:port]/folder`` URL, read; ValueError says what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("an IMAP mailbox URL starts with imaps:// (or imap:// without TLS)")
    if not parts.hostname or not parts.username or parts.password is None:
        raise ValueError("an IMAP mailbox URL names its user, password and host")
    secure = parts.scheme == "imaps"
    return MailboxAddress(
        secure=secure,
        host=parts.hostname,
        port=parts.port or (993 if secure else 143),
        user=unquote(parts.username),
        password=unquote(parts.password),
        folder=unquote(parts.path.strip("/")) or "INBOX",
    )


def configured_mailboxes() -> list[MailboxAddress]:
    return [mailbox_address(url) for url in settings.INBOUND_IMAP_URLS]


class _RawMessage(MailMessage):
    """A fetched message with its bytes as the server holds them, which are what is stored."""

    def __init__(self, fetch_data: list) -> None:
        super().__init__(fetch_data)
        self.raw = self._get_message_data_parts(fetch_data)[0]


class _TlsMailbox(MailBox):
    email_message_class = _RawMessage


class _PlainMailbox(MailBoxUnencrypted):
    email_message_class = _RawMessage


def _connect(where: MailboxAddress):
    timeout = settings.INBOUND_IMAP_TIMEOUT
    if where.secure:
        # imaplib's own default would not check the server's certificate.
        box = _TlsMailbox(
            where.host, where.port, timeout=timeout, ssl_context=ssl.create_default_context()
        )
    else:
        box = _PlainMailbox(where.host, where.port, timeout=timeout)
    if (where.user + where.password).isascii():
        return box.login(where.user, where.password, initial_folder=where.folder)
    # LOGIN takes ASCII only; SASL PLAIN carries UTF-8.
    return box.login_utf8(where.user, where.password, initial_folder=where.folder)


def mailboxes_poll() -> int:
    """Poll every configured mailbox that no other worker is polling; the messages stored."""
    return sum(mailbox_poll(where) for where in configured_mailboxes())


def mailbox_poll(where: MailboxAddress) -> int:
    """Store the mailbox's new messages: how many were new, 0 when another worker holds it. An
    error is kept on the mailbox for the dashboard; the next poll starts where this one stopped."""
    mailbox, _created = Mailbox.objects.get_or_create(key=where.key)
    if not _claim(mailbox):
        return 0
    mailbox.refresh_from_db()
    stored = 0
    try:
        with _connect(where) as box:
            stored = _store_new(box, where, mailbox)
    except Exception as error:  # refused, unreachable, timed out, a bad login: all kept
        logger.warning("Could not poll the mailbox %s: %s", where.key, error)
        mailbox.last_error = describe(error)
    else:
        mailbox.last_error, mailbox.last_reached_at = "", timezone.now()
    mailbox.last_polled_at, mailbox.claimed_until = timezone.now(), None
    mailbox.save(update_fields=["last_error", "last_reached_at", "last_polled_at", "claimed_until"])
    return stored


def _claim(mailbox: Mailbox) -> bool:
    now = timezone.now()
    return bool(
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + LEASE)
    )


def _store_new(box, where: MailboxAddress, mailbox: Mailbox) -> int:
    uidvalidity = box.folder.status(where.folder, ["UIDVALIDITY"])["UIDVALIDITY"]
    if uidvalidity != mailbox.uidvalidity:
        # The server numbered the folder anew: every UID known so far means nothing now.
        mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
    # "N:*" always includes the highest UID, even when it is below N.
    uids = sorted(
        uid
        for uid in map(int, box.uids(AND(uid=U(mailbox.last_uid + 1, "*"))))
        if uid > mailbox.last_uid
    )
    stored = 0
    for start in range(0, len(uids), FETCH_BATCH):
        batch = uids[start : start + FETCH_BATCH]
        stored += _store_batch(box, [str(uid) for uid in batch])
        mailbox.last_uid = batch[-1]
        mailbox.claimed_until = timezone.now() + LEASE
        mailbox.save(update_fields=["uidvalidity", "last_uid", "claimed_until"])
    if not uids:
        mailbox.save(update_fields=["uidvalidity", "last_uid"])
    return stored


def _store_batch(box, uids: list[str]) -> int:
    headers = box.fetch(uid_list=uids, mark_seen=False, headers_only=True, bulk=True)
    too_big = {m.uid: m for m in headers if m.size_rfc822 > settings.INBOUND_MAX_BYTES}
    stored = 0
    for message in too_big.values():
        stored += _store(message.raw, too_big=message.size_rfc822)
    wanted = [uid for uid in uids if uid not in too_big]
    if wanted:
        for message in box.fetch(uid_list=wanted, mark_seen=False, bulk=True):
            stored += _store(message.raw)
    return stored


def _store(raw: bytes, too_big: int | None = None) -> int:
    _message, new = message_store(raw, source=InboundMessage.Source.IMAP, too_big=too_big)
    return int(new)
