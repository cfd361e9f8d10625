"""Email backends: SMTP that tells a refused message from one that may have arrived, and a
file per message for development."""

import smtplib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.utils import timezone


class MaybeSent(Exception):  # noqa: N818 (an outcome, not a failure to retry)
    """The connection failed after the message was handed over: the server may have it."""


class _HandOverAware:
    def data(self, msg):
        try:
            return super().data(msg)
        except smtplib.SMTPResponseException:
            raise  # the server answered: it refused the message (or DATA itself)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            # A timeout waiting for the reply to the message, or a connection dropped after
            # it: a server may store a message and never say so.
            raise MaybeSent(f"{type(error).__name__}: {error}") from error


class _SMTP(_HandOverAware, smtplib.SMTP):
    pass


class _SMTPSSL(_HandOverAware, smtplib.SMTP_SSL):
    pass


class SMTPBackend(DjangoSMTPBackend):
    """Django's SMTP backend, raising MaybeSent where a retry could deliver a second copy."""

    @property
    def connection_class(self):
        return _SMTPSSL if self.use_ssl else _SMTP


class EmlFileBackend(BaseEmailBackend):
    """Each message in its own ``.eml`` file, which opens directly in any mail client
    (Django's file backend appends every message of a connection to one ``.log`` file)."""

    def __init__(self, *, file_path=None, **kwargs):
        super().__init__(**kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages):
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        for message in email_messages:
            name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            (self.folder / name).write_bytes(message.message().as_bytes())
        return len(email_messages)
