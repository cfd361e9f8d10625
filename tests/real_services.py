"""Helpers for tests that talk to a real SMTP server and a real Celery worker."""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path

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


DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

_DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {login_user}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@contextlib.contextmanager
def dovecot_server(users: dict[str, str]):
    """A Dovecot IMAP server of the test's own on 127.0.0.1 (plain IMAP, no TLS), with these
    users and passwords; yields its port. As root its mail belongs to Dovecot's own user."""
    # Not under pytest's tmp_path: Dovecot's unprivileged processes must reach the files.
    root = Path(tempfile.mkdtemp(prefix="rapport-dovecot-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("dovecot")
        login_user, uid, gid = "dovenull", account.pw_uid, account.pw_gid
    else:
        login_user = pwd.getpwuid(os.geteuid()).pw_name
        uid, gid = os.geteuid(), os.getegid()
    for folder in ("run", "state", "mail"):
        (root / folder).mkdir(exist_ok=True)
    os.chown(root / "mail", uid, gid)
    root.chmod(0o755)
    (root / "users").write_text("".join(f"{user}:{{PLAIN}}{pw}\n" for user, pw in users.items()))
    port = free_port()
    (root / "dovecot.conf").write_text(
        _DOVECOT_CONF.format(root=root, port=port, uid=uid, gid=gid, login_user=login_user)
    )
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                log = root / "dovecot.log"
                assert process.poll() is None, log.read_text() if log.exists() else "no log"
                assert time.monotonic() < deadline, "Dovecot did not start"
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)
