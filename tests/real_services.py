"""Helpers for tests that talk to a real SMTP server and a real Celery worker."""

import contextlib
import socket
import time
import uuid
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller

from config.celery import app as celery_app


class Inbox:
    """An aiosmtpd handler that keeps what it accepts; it can first answer "try again later"."""

    def __init__(self, refuse_first=0):
        self.envelopes = []
        self.connections = []  # the client's address for each message: one per connection
        self.refusals_left = refuse_first

    async def handle_DATA(self, server, session, envelope):
        if self.refusals_left:
            self.refusals_left -= 1
            return "451 4.3.0 Try again later"
        self.envelopes.append(envelope)
        self.connections.append(session.peer)
        return "250 Message accepted for delivery"

    def messages_to(self, address):
        return [
            BytesParser(policy=policy.default).parsebytes(envelope.content)
            for envelope in list(self.envelopes)
            if address in envelope.rcpt_tos
        ]

    def wait_for(self, address, count, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.messages_to(address)
            if len(messages) >= count:
                return messages
            time.sleep(0.1)
        raise AssertionError(f"{address} got {len(self.messages_to(address))} of {count} emails")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_smtp(settings, port: int) -> None:
    """Point Django's email at an SMTP server on this machine (the `settings` fixture)."""
    settings.EMAIL_BACKEND = "core.mail.SMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


@contextlib.contextmanager
def smtp_server(settings, handler):
    """Run ``handler`` as a real SMTP server and send Django's email to it."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(settings, controller.port)
    try:
        yield handler
    finally:
        controller.stop()


@contextlib.contextmanager
def private_queue(monkeypatch, prefix="rapport-test"):
    """A Celery queue of the test's own, used by .delay() and by workers started with
    ``queues=[name]``, so another run sharing the Redis server cannot take its tasks."""
    # The app builds its shared Queues object on first use, taking the default queue of that
    # moment as the one workers consume: build it while that is still the real default.
    queues = celery_app.amqp.queues
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(celery_app.conf, "task_default_queue", name)
    # start_worker(queues=...) selects on that object, and a task sent to a new queue adds it:
    # both change copies, so a later worker in this process consumes the default queue again.
    monkeypatch.setattr(queues, "_consume_from", queues._consume_from)
    monkeypatch.setattr(queues, "_default_consume_from", dict(queues._default_consume_from))
    try:
        yield name
    finally:
        # Retries a stopped worker handed back would otherwise stay in Redis for good.
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(name)
