"""An announcement end to end: Redis, a real Celery worker, a real SMTP server; a task dies in
the middle, two copies of the next one race, and still each customer gets the email once."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import task_postrun
from django.utils import timezone

from announcements import sending, services
from announcements.models import Announcement, Recipient
from announcements.tasks import send_announcements
from config.celery import app as celery_app
from customers.models import Customer
from tests.factories import UserFactory
from tests.interactions import test_digest_delivery
from tests.interactions.test_digest_delivery import TaskLog
from tests.real_services import Inbox, private_queue, smtp_server

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
CUSTOMERS = 2_000


@pytest.fixture
def inbox(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ANNOUNCEMENT_RATE_PER_MINUTE = 100_000
    with smtp_server(settings, Inbox()) as handler:
        yield handler


def test_racing_tasks_and_one_that_dies_deliver_each_email_once(inbox, monkeypatch):
    Customer.objects.bulk_create(
        [Customer(name=f"Customer {n}", email=f"c{n}@example.com") for n in range(CUSTOMERS)]
    )
    manager = UserFactory(username="mona", role="Manager")
    announcement = services.announcement_save(
        Announcement(created_by=manager), subject="Now open on Saturdays", body="9 to 5."
    )
    queue_for = sending.emails_queue
    batches = []

    def dies_on_the_third_batch(emails):
        batches.append(len(emails))
        if len(batches) == 3:
            raise SoftTimeLimitExceeded()  # as a worker stopped in the middle of its work
        return queue_for(emails)

    monkeypatch.setattr(sending, "emails_queue", dies_on_the_third_batch)
    # Two thousand emails take a while on a busy machine.
    monkeypatch.setattr(test_digest_delivery, "TIMEOUT", 180.0)
    log = TaskLog()
    task_postrun.connect(log.record, weak=False)
    try:
        # One worker whose threads run the racing copies side by side. Two workers would be two
        # processes in production; two in this one process would share Celery's event loop.
        with (
            private_queue(monkeypatch) as queue,
            start_worker(
                celery_app,
                pool="threads",
                concurrency=4,
                perform_ping_check=False,
                shutdown_timeout=30,
                queues=[queue],
            ),
        ):
            services.announcement_send(announcement)  # queues the task on commit
            log.wait_for("send_announcements", 1)
            # The batch the worker died in is still waiting; beat's next run sends it.
            send_announcements.delay()
            send_announcements.delay()  # a second copy, racing the first
            log.wait_for("send_announcements", 3)
            deadline = time.monotonic() + 180
            while len(inbox.envelopes) < CUSTOMERS and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)  # anything sent twice would arrive now
    finally:
        task_postrun.disconnect(log.record)

    assert len(batches) >= 5  # two before it died, the rest after
    addresses = [address for envelope in inbox.envelopes for address in envelope.rcpt_tos]
    assert len(addresses) == CUSTOMERS
    assert len(set(addresses)) == CUSTOMERS
    assert not Recipient.objects.exclude(state=Recipient.State.QUEUED).exists()
    announcement.refresh_from_db()
    assert announcement.state == Announcement.State.SENT


def test_through_the_worker_each_kind_reaches_only_whom_it_may_and_a_scheduled_one_waits(
    inbox, monkeypatch
):
    manager = UserFactory(username="mona", role="Manager")
    now = timezone.now()
    everyone = {
        "agreed": Customer(name="Agreed", email="agreed@example.com", marketing_consent_at=now),
        "never": Customer(name="Never asked", email="never@example.com"),
        "out": Customer(
            name="Opted out", email="out@example.com", marketing_consent_at=now, email_opt_out=True
        ),
        "bouncing": Customer(
            name="Bouncing", email="bouncing@example.com", email_bouncing_since=now
        ),
    }
    Customer.objects.bulk_create(everyone.values())
    notice, offer = (
        services.announcement_save(
            Announcement(created_by=manager), subject=subject, body="Details.", kind=kind
        )
        for subject, kind in (("New hours", "service"), ("Autumn offer", "marketing"))
    )
    log = TaskLog()
    task_postrun.connect(log.record, weak=False)
    try:
        with (
            private_queue(monkeypatch) as queue,
            start_worker(
                celery_app,
                pool="solo",
                perform_ping_check=False,
                shutdown_timeout=30,
                queues=[queue],
            ),
        ):
            services.announcement_send(notice)
            services.announcement_send(offer, at=now + datetime.timedelta(hours=1))
            log.wait_for("send_announcements", 1)
            inbox.wait_for("never@example.com", 1)
            assert Announcement.objects.get(pk=offer.pk).state == Announcement.State.SCHEDULED
            # Its hour comes: beat's next run sends it.
            Announcement.objects.filter(pk=offer.pk).update(send_at=timezone.now())
            send_announcements.delay()
            inbox.wait_for("agreed@example.com", 2)
            time.sleep(1)  # anything sent that should not be would arrive now
    finally:
        task_postrun.disconnect(log.record)

    subjects = {
        address: sorted(str(m["Subject"]) for m in inbox.messages_to(address))
        for address in ("agreed@example.com", "never@example.com", "out@example.com")
    }
    assert subjects == {
        "agreed@example.com": ["Autumn offer", "New hours"],
        "never@example.com": ["New hours"],
        "out@example.com": [],
    }
    assert inbox.messages_to("bouncing@example.com") == []
