"""The SMTP receiver: takes mail for the log address and replies, stores it, and hands it to the
workers. It keeps nothing of its own, so several can run behind one MX record."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import close_old_connections, connections

from .models import InboundMessage
from .storing import message_store

logger = logging.getLogger(__name__)


def _store(raw: bytes, envelope_from: str, envelope_to: list[str]) -> None:
    # A long-running process: drop a connection the database closed since the last message.
    close_old_connections()
    message_store(
        raw,
        source=InboundMessage.Source.SMTP,
        envelope_from=envelope_from,
        envelope_to=envelope_to,
    )


class Handler:
    def __init__(self):
        # The database is used from one thread of its own, which keeps its connection.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbound-store")

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        try:
            await asyncio.get_running_loop().run_in_executor(
                self.executor, _store, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except Exception:
            logger.exception("Could not store a message from %s", envelope.mail_from)
            # A temporary failure: the sending server keeps the message and tries again.
            return "451 4.3.0 The message could not be stored; try again later"
        return "250 2.0.0 Message stored"


class Receiver(Controller):
    def stop(self, *args, **kwargs):
        super().stop(*args, **kwargs)
        self.handler.executor.submit(connections.close_all).result()
        self.handler.executor.shutdown()


def receiver(host: str | None = None, port: int | None = None) -> Receiver:
    """The receiver, not yet started; messages above INBOUND_MAX_BYTES are refused with 552."""
    return Receiver(
        Handler(),
        hostname=host or settings.INBOUND_SMTP_HOST,
        port=port or settings.INBOUND_SMTP_PORT,
        data_size_limit=settings.INBOUND_MAX_BYTES,
    )
