"""Digests and escalations end to end: Redis, a real Celery worker, a real SMTP server.

The worker runs in a thread of this process, so it sees the settings each test sets. Its tasks go
to a queue of the test's own, so another test run sharing the Redis server cannot take them.
While the worker may be writing, the tests wait on what reaches the SMTP server or on the
worker's task signals, not on the database (SQLite's shared in-memory test database does not
wait for a lock, it fails).
"""

import datetime
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from core.models import OutgoingEmail
from core.outbox.tasks import send_due_emails, send_emails
from interactions import tasks
from interactions.digests import schedule_digests
from interactions.models import Digest, Reminder
from tests.factories import UserFactory
from tests.real_services import Inbox, free_port, private_queue, smtp_server, use_smtp

from .reminder_factories import (
    ComplaintFactory,
    QuietCustomerFactory,
    ReminderFactory,
    days_from_today,
    due_customer,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30.0


class TaskLog:
    """What the worker finished, from Celery's task_postrun signal, to wait on."""

    def __init__(self):
        self.finished = []
        self._changed = threading.Condition()

    def record(self, sender=None, task_id=None, task=None, args=None, state=None, **kwargs):
        with self._changed:
            self.finished.append((task.name.rsplit(".", 1)[-1], tuple(args or ()), state))
            self._changed.notify_all()
        # A task's database connection belongs to its thread; close it so none outlives the
        # test (PostgreSQL will not drop a test database someone is connected to).
        connection.close()

    def wait_for(self, name, count, state=None):
        def done():
            return len(self.of(name, state)) >= count

        with self._changed:
            if not self._changed.wait_for(done, timeout=TIMEOUT):
                raise AssertionError(f"{name}: {self.finished}")

    def of(self, name, state=None):
        return [f for f in self.finished if f[0] == name and state in (None, f[2])]


@pytest.fixture(autouse=True)
def _delivery_settings(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.EMAIL_MAX_RETRIES = 2
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    settings.DIGEST_HOUR = 0  # a digest may go out whenever the test runs


@pytest.fixture
def inbox(settings):
    with smtp_server(settings, Inbox()) as handler:
        yield handler


@pytest.fixture
def queue(monkeypatch):
    """A queue of this test's own, used by .delay() and by the workers started below."""
    with private_queue(monkeypatch) as name:
        yield name


@pytest.fixture
def task_log():
    log = TaskLog()
    task_postrun.connect(log.record, weak=False)
    yield log
    task_postrun.disconnect(log.record)


@pytest.fixture
def worker(queue, task_log):
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20, queues=[queue]
    ):
        yield


@pytest.fixture
def staff(db):
    def make(username, role="Staff"):
        return UserFactory(username=username, first_name=username.title(), role=role)

    return make


def _due_for(user, *names):
    for offset, name in enumerate(names):
        due_on = days_from_today(-offset)
        ReminderFactory(customer=due_customer(user, name, due_on), due_on=due_on)


# Digests --------------------------------------------------------------------------------------


def test_the_digest_task_sends_each_person_one_digest(inbox, worker, task_log, staff):
    sam, olive = staff("sam"), staff("olive")
    _due_for(sam, "Ada Lovelace", "Grace Hopper")
    _due_for(olive, "Alan Turing")

    tasks.send_digests.delay()
    # Both digests in one task, over one SMTP connection.
    task_log.wait_for("send_emails", 1)
    # Beat again, later the same day: nothing new to send.
    tasks.send_digests.delay()
    task_log.wait_for("send_digests", 2)

    (to_sam,) = inbox.messages_to("sam@example.com")
    assert to_sam["Subject"] == "Rapport: 2 things to do today"
    text = to_sam.get_body(("plain",)).get_content()
    assert "Ada Lovelace" in text and "Grace Hopper" in text
    html = to_sam.get_body(("html",)).get_content()
    assert ">Ada Lovelace</a>" in html
    (to_olive,) = inbox.messages_to("olive@example.com")
    assert to_olive["Subject"] == "Rapport: 1 thing to do today"
    assert len(inbox.envelopes) == 2
    assert len(set(inbox.connections)) == 1
    assert len(task_log.of("send_emails")) == 1
    assert set(Digest.objects.values_list("state", "attempts", "item_count")) == {
        ("sent", 1, 2),
        ("sent", 1, 1),
    }
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}


def test_two_tasks_racing_for_each_digest_send_it_once(inbox, queue, task_log, staff):
    users = [staff(f"user{n}") for n in range(6)]
    for user in users:
        _due_for(user, f"Customer of {user.username}")
    # Queues the six emails and, on commit, one task for them all.
    assert schedule_digests() == 6
    email_ids = list(OutgoingEmail.objects.values_list("pk", flat=True))

    # One worker, four threads: two more copies of each email's task (as redeliveries would
    # be) race the first task and each other for the email in parallel.
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        shutdown_timeout=20,
        queues=[queue],
    ):
        for email_id in email_ids:
            send_emails.delay([email_id])
            send_emails.delay([email_id])
        task_log.wait_for("send_emails", 1 + 12)

    for user in users:
        assert len(inbox.messages_to(user.email)) == 1, user.email
    assert len(inbox.envelopes) == 6
    # Each email was claimed once: the losing tasks found it taken and did nothing.
    assert list(OutgoingEmail.objects.values_list("state", "attempts").distinct()) == [("sent", 1)]
    assert list(Digest.objects.values_list("state", "attempts").distinct()) == [("sent", 1)]
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}


def test_smtp_try_again_later_is_retried_and_delivered_once(
    settings, queue, worker, task_log, staff
):
    with smtp_server(settings, Inbox(refuse_first=1)) as handler:
        _due_for(staff("sam"), "Ada Lovelace")
        schedule_digests()  # its email's task is enqueued on commit
        task_log.wait_for("send_emails", 1)
        (email,) = OutgoingEmail.objects.all()
        assert (email.state, email.attempts) == ("queued", 1)
        assert "Try again later" in email.last_error

        # Beat's sweep a minute later: the retry is due.
        send_due_emails.delay()
        task_log.wait_for("send_emails", 2)

    assert len(handler.messages_to("sam@example.com")) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == ("sent", 2, "")
    digest = Digest.objects.get()
    assert (digest.state, digest.last_error) == ("sent", "")
    assert Reminder.objects.get().state == Reminder.State.SENT


def test_smtp_down_through_every_retry_marks_the_digest_and_its_reminders_failed(
    settings, worker, task_log, staff
):
    use_smtp(settings, free_port())  # nobody listens there
    sam = staff("sam")
    _due_for(sam, "Ada Lovelace", "Grace Hopper")
    tomorrow = days_from_today(1)
    ReminderFactory(customer=due_customer(sam, "Tim Tomorrow", tomorrow), due_on=tomorrow)

    tasks.send_digests.delay()
    task_log.wait_for("send_emails", 1)
    # Beat's sweep, once for each of EMAIL_MAX_RETRIES=2 retries, and once more.
    for sweeps in (1, 2, 3):
        send_due_emails.delay()
        task_log.wait_for("send_due_emails", sweeps)

    # The first try and two retries; the last sweep found nothing due.
    assert len(task_log.of("send_emails")) == 3
    (email,) = OutgoingEmail.objects.all()
    assert (email.state, email.attempts) == ("failed", 3)
    digest = Digest.objects.get()
    assert digest.state == Digest.State.FAILED
    assert digest.last_error.startswith("ConnectionRefusedError:")
    assert "Connection refused" in digest.last_error
    assert sorted(Reminder.objects.values_list("customer__name", "state", "last_error")) == [
        ("Ada Lovelace", "failed", digest.last_error),
        ("Grace Hopper", "failed", digest.last_error),
        ("Tim Tomorrow", "pending", ""),
    ]


# Escalations ----------------------------------------------------------------------------------


def test_a_breached_complaint_reaches_the_managers_once_through_the_worker(
    inbox, worker, task_log, staff
):
    owner = staff("sam")
    managers = [staff("mona", role="Manager"), staff("max", role="Manager")]
    complaint = ComplaintFactory(
        # No email address: the only emails here are the managers' escalations.
        customer=QuietCustomerFactory(owner=owner, name="Bea Breached", email=""),
        summary="Boiler still broken",
        opened_at=timezone.now() - datetime.timedelta(hours=25),
    )

    tasks.plan_reminders.delay()
    task_log.wait_for("send_emails", 1)
    # Planning again, and a duplicate of the sending task (as a redelivery would be), send
    # nothing more.
    tasks.plan_reminders.delay()
    task_log.wait_for("plan_reminders", 2)
    email_ids = list(OutgoingEmail.objects.values_list("pk", flat=True))
    assert len(email_ids) == 2  # one for each manager
    send_emails.delay(email_ids)
    task_log.wait_for("send_emails", 2)

    for manager in managers:
        (message,) = inbox.messages_to(manager.email)
        assert message["To"] == manager.email
        assert message["Subject"] == f"Complaint #{complaint.pk} missed its response target"
        assert "Bea Breached" in message.get_body(("plain",)).get_content()
    assert len(inbox.envelopes) == 2
    assert inbox.messages_to(owner.email) == []
    reminder = Reminder.objects.get(object_id=complaint.pk, detail="respond")
    assert reminder.escalated_at is not None
