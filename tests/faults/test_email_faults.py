"""The outbox when a worker is killed mid-send, hits its time limit, races another worker or a
second beat, or finds SMTP away.

Workers and beats run as real processes (``celery -A config worker|beat``), configured through
the environment as in production, so a test can SIGKILL one with its prefork children. They
use the pytest database (the tests commit, so the processes see the rows), a Redis queue of the
test's own (``CELERY_QUEUE``) and an aiosmtpd server in this process that counts what arrives.
"""

import asyncio
import contextlib
import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from config.celery import app as celery_app
from core.models import OutgoingEmail
from core.outbox import tasks as outbox_tasks
from core.outbox.delivery import ABANDONED_ERROR
from core.password_reset import OutboxPasswordResetForm
from interactions import tasks
from interactions.complaints.services import complaint_open, complaint_transition
from interactions.digests import schedule_digests
from interactions.models import ComplaintEvent, Digest, Reminder
from interactions.reminders.planning import plan_reminders
from tests.factories import UserFactory
from tests.interactions.reminder_factories import (
    QuietCustomerFactory,
    ReminderFactory,
    days_from_today,
    due_customer,
)
from tests.real_services import Inbox, free_port, private_queue
from voice.models import FeedbackSubmission, Survey
from voice.services import feedback_process, feedback_store
from voice.surveys import survey_create

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 40.0
SENT, FAILED = Digest.State.SENT, Digest.State.FAILED


class SlowInbox(Inbox):
    """Keeps each message at once but is slow to say so, as a loaded mail server is: a worker
    killed while waiting has sent an email it cannot know arrived."""

    def __init__(self, delay):
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.delay)
        return reply


@contextlib.contextmanager
def smtp_listening(handler, port):
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


def _wait_until(check, what, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {timeout:.0f} s for {what}")
        time.sleep(0.05)


class CeleryProcesses:
    """Starts ``celery -A config`` workers and beats in process groups of their own and kills
    every one of them, prefork children included, however the test ends."""

    def __init__(self, tmp_path, queue, smtp_port):
        self.tmp_path, self.queue = tmp_path, queue
        self.running = {}
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # DEBUG keeps SECRET_KEY and ALLOWED_HOSTS optional; nothing here serves HTTP.
            "DEBUG": "1",
            "RAPPORT_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": (
                f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
                f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_QUEUE": queue,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "5",
            "DIGEST_HOUR": "0",  # a digest may go out whenever the test runs
        }

    def start(self, name, *args, **env):
        log = open(self.tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed on kill)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args, "--loglevel=info"],
            cwd=ROOT,
            env={**self.env, **{key: str(value) for key, value in env.items()}},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running[name] = (process, log)
        return process

    def worker(self, name, concurrency=2, **env):
        return self.start(
            name,
            "worker",
            f"--hostname={name}-{uuid.uuid4().hex[:8]}@%h",
            f"--queues={self.queue}",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--without-mingle",
            "--without-gossip",
            **env,
        )

    def beat(self, name, **env):
        return self.start(name, "beat", f"--schedule={self.tmp_path / name}", **env)

    def kill(self, *names):
        stopping = [self.running.pop(name) for name in names]
        for process, _log in stopping:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        for process, log in stopping:
            process.wait(timeout=10)
            log.close()

    def kill_all(self):
        self.kill(*self.running)

    def log(self, name):
        return (self.tmp_path / f"{name}.log").read_text()


def _forget_queue(queue):
    """A killed worker's unacknowledged messages wait in Redis for the visibility timeout (an
    hour), then go back to their queue; drop this test's, and the queue's bindings, so nothing
    of it outlives the test."""
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        for tag, raw in client.hgetall("unacked").items():
            if json.loads(raw)[2] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


@pytest.fixture
def queue(monkeypatch):
    with private_queue(monkeypatch, prefix="rapport-faults") as name:
        yield name
        _forget_queue(name)


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def celery_processes(transactional_db, tmp_path, queue, smtp_port):
    processes = CeleryProcesses(tmp_path, queue, smtp_port)
    try:
        yield processes
    finally:
        # Before the database is flushed: PostgreSQL waits on a killed process's locks no
        # longer than its connection, but a live one would block the flush.
        processes.kill_all()
        for log in sorted(tmp_path.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text()[-4000:]}")


def _queue_is_empty(queue):
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue) == 0


def _due_for(user):
    today = timezone.localdate()
    ReminderFactory(customer=due_customer(user, f"Customer of {user.username}", today))


def _failures_page():
    manager = UserFactory(username="failures-reader", role="Manager")
    client = Client()
    client.force_login(manager)
    return client.get("/emails/failed/").content.decode()


# Killed mid-batch -----------------------------------------------------------------------------

ABANDONED_AFTER_SECONDS = 2
SENDING = OutgoingEmail.State.SENDING


def test_a_worker_killed_mid_batch_leaves_every_digest_sent_once_or_uncertain(
    celery_processes, smtp_port
):
    staff = [UserFactory(username=f"staff{n:02}") for n in range(40)]
    for user in staff:
        _due_for(user)

    def arrived_but_unconfirmed():
        # The worst moment to die: the server has the email, the worker has not heard back.
        sending = OutgoingEmail.objects.filter(kind="digest", state=SENDING)
        return [email.pk for email in sending if inbox.messages_to(email.to)]

    with smtp_listening(SlowInbox(delay=0.2), smtp_port) as inbox:
        tasks.send_digests.delay()
        celery_processes.worker("doomed")
        _wait_until(
            lambda: len(inbox.envelopes) >= 8 and arrived_but_unconfirmed(),
            "the batch to be under way",
        )
        celery_processes.kill("doomed")
        killed_at = time.monotonic()
        on_the_wire = set(
            OutgoingEmail.objects.filter(state=SENDING).values_list("about_id", flat=True)
        )
        assert arrived_but_unconfirmed(), "the kill should land while a digest awaits its reply"
        assert 0 < Digest.objects.filter(state=SENT).count() < len(staff)

        # Beat's outbox sweep: it marks uncertain what was claimed longer ago than the
        # abandonment timeout and sends what is still queued, including the emails whose task
        # the dead worker had taken off the queue.
        celery_processes.worker("fresh", EMAIL_ABANDONED_AFTER_SECONDS=ABANDONED_AFTER_SECONDS)
        time.sleep(max(0.0, killed_at + ABANDONED_AFTER_SECONDS + 0.5 - time.monotonic()))
        outbox_tasks.send_due_emails.delay()

        def all_settled():
            return not Digest.objects.exclude(state__in=[SENT, FAILED]).exists()

        _wait_until(all_settled, "every digest to be sent or failed")

    digests = {d.recipient_id: d for d in Digest.objects.all()}
    assert sorted(digests) == sorted(user.pk for user in staff)
    for user in staff:
        digest, received = digests[user.pk], len(inbox.messages_to(user.email))
        if digest.state == SENT:
            assert (received, digest.attempts, digest.last_error) == (1, 1, ""), user.email
        else:
            assert received <= 1, user.email
            assert ABANDONED_ERROR in digest.last_error
    # Only what was on the wire at the kill failed: the worker may have sent it (the server
    # has some of them), so it is not sent again; the failures page shows it as uncertain.
    assert {d.pk for d in digests.values() if d.state == FAILED} == on_the_wire
    uncertain = OutgoingEmail.objects.filter(state=OutgoingEmail.State.UNCERTAIN)
    assert set(uncertain.values_list("about_id", flat=True)) == on_the_wire
    page = _failures_page()
    assert f"{len(on_the_wire)} may have been sent" in page
    for email in uncertain:
        assert f'name="email" value="{email.pk}"' in page
    for reminder in Reminder.objects.all():
        digest = digests[reminder.recipient_id]
        assert reminder.state == digest.state, reminder.customer
        assert reminder.last_error == (digest.last_error if digest.state == FAILED else "")


# Past the time limit ---------------------------------------------------------------------------


def test_a_send_stopped_by_its_time_limit_is_left_for_the_sweep_and_never_resent(
    celery_processes, smtp_port
):
    email = OutgoingEmail.objects.create(
        kind="test", to="ada@example.com", subject="Hello", body_text="Plain words."
    )
    # The server takes the message and sits on its answer far longer than the task may run.
    with smtp_listening(SlowInbox(delay=30), smtp_port) as inbox:
        celery_processes.worker(
            "limited", EMAIL_TIMEOUT=20, EMAIL_ABANDONED_AFTER_SECONDS=ABANDONED_AFTER_SECONDS
        )
        outbox_tasks.send_emails.apply_async(args=[[email.pk]], soft_time_limit=2, time_limit=5)
        _wait_until(
            lambda: "Soft time limit" in celery_processes.log("limited"), "the soft time limit"
        )
        email.refresh_from_db()
        assert email.state == SENDING, "the limit must not be taken for a failure to retry"
        assert len(inbox.messages_to("ada@example.com")) == 1

        time.sleep(ABANDONED_AFTER_SECONDS + 0.5)
        outbox_tasks.send_due_emails.delay()
        _wait_until(
            lambda: OutgoingEmail.objects.filter(state=OutgoingEmail.State.UNCERTAIN).exists(),
            "the sweep to mark it uncertain",
        )
        time.sleep(1)  # a resend would follow straight after
        assert len(inbox.messages_to("ada@example.com")) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutgoingEmail.State.UNCERTAIN, 1)
    assert f'name="email" value="{email.pk}"' in _failures_page()


# Two beats ------------------------------------------------------------------------------------


def test_two_beats_at_once_send_each_person_one_digest(celery_processes, smtp_port, queue):
    staff = [UserFactory(username=f"beat{n}") for n in range(8)]
    # No reminders yet: the beats' planning runs create them, racing each other too.
    for user in staff:
        due_customer(user, f"Customer of {user.username}", timezone.localdate())
        due_customer(user, f"Overdue for {user.username}", days_from_today(-3))
        QuietCustomerFactory(owner=user, name=f"Quiet for {user.username}")

    # A slow server keeps each digest in flight long enough for the other beat's run, and both
    # beats' outbox sweeps, to queue it again, which is the race the claims have to settle.
    with smtp_listening(SlowInbox(delay=0.3), smtp_port) as inbox:
        every_second = {
            "PLAN_REMINDERS_EVERY_SECONDS": 1,
            "SEND_DIGESTS_EVERY_SECONDS": 1,
            "SEND_EMAILS_EVERY_SECONDS": 1,
        }
        celery_processes.worker("worker-1", **every_second)
        celery_processes.worker("worker-2", **every_second)
        started = time.monotonic()
        celery_processes.beat("beat-1", **every_second)
        celery_processes.beat("beat-2", **every_second)

        for user in staff:
            inbox.wait_for(user.email, 1, timeout=TIMEOUT)
        # Keep both beats going a while after the digests went out: a second digest would
        # come from a later run as easily as from the first.
        time.sleep(max(4.0, started + 15 - time.monotonic()))
        celery_processes.kill("beat-1", "beat-2")
        _wait_until(lambda: _queue_is_empty(queue), "the workers to drain the queue")
        time.sleep(1)  # the tasks they took last
        envelopes = list(inbox.envelopes)

    for beat in ("beat-1", "beat-2"):
        for task in ("send-digests", "send-due-emails"):
            sends = celery_processes.log(beat).count(f"Sending due task {task}")
            assert sends >= 5, f"{beat} scheduled {task} {sends} times"
    for user in staff:
        (message,) = inbox.messages_to(user.email)
        assert message["Subject"] == "Rapport: 2 things to do today"
    # Nobody at all got anything twice (the beats also plan customer surveys).
    recipients = [address for envelope in envelopes for address in envelope.rcpt_tos]
    assert len(recipients) == len(set(recipients))
    assert list(Digest.objects.values_list("state", "attempts", "item_count").distinct()) == [
        ("sent", 1, 2)
    ]
    assert Reminder.objects.count() == 2 * len(staff)
    assert set(Reminder.objects.values_list("state", flat=True)) == {Reminder.State.SENT}


# SMTP down ------------------------------------------------------------------------------------


def test_email_queued_while_smtp_is_down_is_delivered_once_when_it_comes_back(
    celery_processes, smtp_port
):
    sam = UserFactory(username="sam")
    _due_for(sam)
    customers = [
        QuietCustomerFactory(owner=sam, name=name, email=f"{name.split()[0].lower()}@example.com")
        for name in ("Ada Lovelace", "Grace Hopper")
    ]
    retries = {"EMAIL_RETRY_BASE_SECONDS": 1, "EMAIL_MAX_RETRIES": 6}
    celery_processes.worker("worker", **retries)
    # The beat's outbox sweep is what tries again, once each email's backoff has passed.
    celery_processes.beat(
        "beat", SEND_EMAILS_EVERY_SECONDS=1, PLAN_SURVEYS_EVERY_SECONDS=3600, **retries
    )

    # Nothing listens on the SMTP port yet.
    complaints = [
        complaint_open(
            customer=customer, summary="Boiler still broken", severity="low", opened_by=sam
        )
        for customer in customers
    ]
    tasks.send_digests.delay()
    digest_email = OutgoingEmail.objects.filter(kind="digest")

    def refused_twice():
        # Queued again after each refusal, a little later each time.
        return digest_email.filter(state=OutgoingEmail.State.QUEUED, attempts__gte=2).exists()

    _wait_until(refused_twice, "the digest to fail twice")
    assert digest_email.get().last_error.startswith("ConnectionRefusedError:")
    assert Digest.objects.get().state == Digest.State.SENDING

    with smtp_listening(Inbox(), smtp_port) as inbox:
        acknowledged = ComplaintEvent.objects.filter(
            kind=ComplaintEvent.Kind.EMAIL, note="Acknowledgement sent"
        )
        _wait_until(
            lambda: Digest.objects.filter(state=SENT).exists() and acknowledged.count() == 2,
            "the digest and the acknowledgements to go out",
        )
        time.sleep(1)  # a duplicate would follow straight after
        envelopes = list(inbox.envelopes)

    for address in (sam.email, *(customer.email for customer in customers)):
        assert len(inbox.messages_to(address)) == 1, address
    assert len(envelopes) == 3
    digest = Digest.objects.get()
    assert digest.state == SENT and digest.last_error == ""
    assert digest_email.get().attempts > 2
    # Low severity: the response target is too far off for a reminder of its own.
    assert Reminder.objects.get().state == Reminder.State.SENT
    for complaint in complaints:
        complaint.refresh_from_db()
        assert complaint.acknowledgement_sent_at is not None
        notes = list(
            ComplaintEvent.objects.filter(
                complaint=complaint, kind=ComplaintEvent.Kind.EMAIL
            ).values_list("note", flat=True)
        )
        assert notes == ["Acknowledgement sent"], notes
        email = OutgoingEmail.objects.get(kind="complaint-acknowledgement", about_id=complaint.pk)
        assert (email.state, email.attempts > 1) == (OutgoingEmail.State.SENT, True)


# Every kind, two workers ----------------------------------------------------------------------


def _one_of_every_kind():
    """Queue one email of each kind the product sends, as the product does."""
    sam = UserFactory(username="sam")
    UserFactory(username="mona", role="Manager")
    ada = QuietCustomerFactory(owner=sam, name="Ada Lovelace", email="ada@example.com")
    bea = QuietCustomerFactory(owner=sam, name="Bea Breached", email="bea@example.com")
    _due_for(sam)
    complaint = complaint_open(
        customer=ada, summary="Boiler still broken", severity="low", opened_by=sam
    )
    complaint_transition(
        complaint, to_status="resolved", actor=sam, resolution_summary="New boiler fitted."
    )
    # Urgent, and unanswered past its one-hour response target: the managers hear of it.
    complaint_open(
        customer=bea,
        summary="No heating",
        severity="urgent",
        opened_by=sam,
        opened_at=timezone.now() - datetime.timedelta(hours=3),
    )
    feedback_process(
        feedback_store(
            name="Grace",
            email="grace@example.com",
            topic=FeedbackSubmission.Topic.QUESTION,
            message="Do you service heat pumps?",
            client_address="192.0.2.7",
        )
    )
    survey_create(customer=ada, reason=Survey.Reason.PERIODIC)
    form = OutboxPasswordResetForm({"email": sam.email})
    assert form.is_valid()
    form.save(domain_override="rapport.example")
    plan_reminders()  # the escalation
    schedule_digests()


def test_every_kind_of_email_goes_exactly_once_under_two_workers_and_a_sweeping_beat(
    celery_processes, smtp_port
):
    with smtp_listening(SlowInbox(delay=0.2), smtp_port) as inbox:
        _one_of_every_kind()
        emails = list(OutgoingEmail.objects.order_by("pk"))
        assert {email.kind for email in emails} == KINDS
        ids = [email.pk for email in emails]
        # Each email is published on commit; twice more here, and by every sweep of the beat.
        outbox_tasks.send_emails.delay(ids)
        outbox_tasks.send_emails.delay(list(reversed(ids)))
        celery_processes.worker("worker-1")
        celery_processes.worker("worker-2")
        celery_processes.beat("beat", SEND_EMAILS_EVERY_SECONDS=1, PLAN_SURVEYS_EVERY_SECONDS=3600)
        unsent = OutgoingEmail.objects.exclude(state=OutgoingEmail.State.SENT)
        _wait_until(lambda: not unsent.exists(), "every email to be sent")
        time.sleep(3)  # the duplicates' turn, and a few sweeps
        received = [
            (address, message["Subject"])
            for envelope in list(inbox.envelopes)
            for address in envelope.rcpt_tos
            for message in [BytesParser(policy=policy.default).parsebytes(envelope.content)]
        ]

    sent = sorted((email.to, email.subject) for email in emails)
    assert sorted(received) == sent
    assert set(OutgoingEmail.objects.values_list("attempts", flat=True)) == {1}


KINDS = {
    "complaint-acknowledgement",
    "complaint-resolution",
    "digest",
    "escalation",
    "feedback-acknowledgement",
    "survey",
    "password-reset",
}
