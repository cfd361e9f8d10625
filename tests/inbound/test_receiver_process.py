"""The receiver as make run starts it: its own process, which stores what it is sent and stops
cleanly when told to."""

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from inbound.models import InboundMessage
from tests.real_services import free_port

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def test_the_inbound_smtp_command_receives_and_stores_mail(tmp_path):
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "RAPPORT_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": (
            f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
            f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": f"rapport-inbound-{port}",
        "INBOUND_SMTP_PORT": str(port),
    }
    log = tmp_path / "inbound.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "inbound_smtp"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=5)
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        with client:
            refused = client.sendmail(
                "ada@example.com",
                ["log@localhost"],
                b"From: ada@example.com\r\nSubject: Hello\r\nMessage-ID: <p1@example.com>\r\n"
                b"\r\nA line.\r\n",
            )
        assert refused == {}
        message = InboundMessage.objects.get()
        assert (message.dedupe_key, message.envelope_to) == ("<p1@example.com>", "log@localhost")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, log.read_text()
        # The task the receiver queued is the workers'; none runs here.
        with celery_app.connection_for_write() as broker:
            broker.default_channel.queue_delete(env["CELERY_QUEUE"])
    assert f"Receiving mail on 127.0.0.1:{port}" in log.read_text()
