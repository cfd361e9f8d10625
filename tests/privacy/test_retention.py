"""Keeping nothing longer than needed: beat's sweeps drop contents past their time and leave
each record's metadata; archived customers long out of touch are listed for a manager to
erase."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from core.models import OutgoingEmail
from customers import imports
from customers.models import CustomerImport
from inbound.models import InboundMessage
from privacy import retention
from privacy.erasure import customer_erase
from tests.customers.imports import import_now
from tests.factories import CustomerFactory
from tests.real_services import private_queue

pytestmark = pytest.mark.django_db

SWEEPS = {
    "expire-import-files": "privacy.tasks.expire_import_files",
    "expire-inbound-bodies": "privacy.tasks.expire_inbound_bodies",
    "expire-outbox-bodies": "privacy.tasks.expire_outbox_bodies",
}


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def message(state=InboundMessage.State.FILED, age_days=400, key="<m@example.com>"):
    raw = b"From: ann@example.com\r\nSubject: Boiler\r\n\r\nIt is cold.\r\n"
    created = InboundMessage.objects.create(
        source=InboundMessage.Source.SMTP,
        raw=raw,
        size=len(raw),
        dedupe_key=key,
        envelope_from="ann@example.com",
        from_address="ann@example.com",
        from_name="Ann",
        subject="Boiler",
        excerpt="It is cold.",
        state=state,
    )
    InboundMessage.objects.filter(pk=created.pk).update(received_at=days_ago(age_days))
    return created


def email(state=OutgoingEmail.State.SENT, age_days=400, **fields):
    return OutgoingEmail.objects.create(
        kind="complaint-acknowledgement",
        to="ann@example.com",
        subject="We have your complaint",
        body_text="Dear Ann, we have it.",
        body_html="<p>Dear Ann, we have it.</p>",
        state=state,
        created_at=days_ago(age_days),
        sent_at=days_ago(age_days) if state == OutgoingEmail.State.SENT else None,
        **fields,
    )


def upload(state, age_hours, text="name,email\nAnn,ann@example.com\n", **fields):
    customer_import = CustomerImport.objects.create(
        filename=f"{state}.csv", text=text, state=state, preview={"row_count": 1}, **fields
    )
    CustomerImport.objects.filter(pk=customer_import.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=age_hours)
    )
    return customer_import


# Beat -----------------------------------------------------------------------------------------


def test_the_sweeps_are_on_the_beat_schedule():
    celery_app.loader.import_default_modules()
    for name, task in SWEEPS.items():
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        assert entry == {"task": task, "schedule": settings.RETENTION_SWEEP_EVERY_SECONDS}
        assert task in celery_app.tasks


def eventually(check, timeout=30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_beat_sends_each_sweep_to_a_worker_which_does_the_work(monkeypatch):
    old_message, old_email = message(), email()
    abandoned = upload(CustomerImport.State.READY, age_hours=30)

    def close_connection(**kwargs):
        # The worker thread's connection must not outlive the test database.
        connection.close()

    task_postrun.connect(close_connection, weak=False)
    # As beat sends them: by the task's name, to the broker; the tasks keep no result.
    with (
        private_queue(monkeypatch, prefix="rapport-privacy") as queue,
        start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]
        ),
    ):
        for name in SWEEPS:
            celery_app.send_task(settings.CELERY_BEAT_SCHEDULE[name]["task"], queue=queue)
        assert eventually(
            lambda: (
                not CustomerImport.objects.filter(pk=abandoned.pk).exists()
                and InboundMessage.objects.filter(pk=old_message.pk, raw=b"").exists()
                and OutgoingEmail.objects.filter(pk=old_email.pk, body_text="").exists()
            )
        )

    task_postrun.disconnect(close_connection)
    old_message.refresh_from_db()
    old_email.refresh_from_db()
    assert (old_message.subject, old_email.subject) == ("Boiler", "We have your complaint")


# Inbound mail ---------------------------------------------------------------------------------


def test_an_old_message_keeps_its_metadata_and_loses_its_body():
    old, recent = message(), message(age_days=10, key="<recent@example.com>")

    assert retention.inbound_bodies_expire() == 1

    old.refresh_from_db()
    assert (bytes(old.raw), old.excerpt) == (b"", "")
    assert (old.from_address, old.from_name, old.subject, old.size, old.state) == (
        "ann@example.com",
        "Ann",
        "Boiler",
        len(b"From: ann@example.com\r\nSubject: Boiler\r\n\r\nIt is cold.\r\n"),
        InboundMessage.State.FILED,
    )
    recent.refresh_from_db()
    assert bytes(recent.raw).startswith(b"From:") and recent.excerpt
    assert retention.inbound_bodies_expire() == 0  # a second run finds nothing to do


def test_an_old_message_waiting_on_a_person_is_set_aside_with_its_body_gone():
    unmatched = message(state=InboundMessage.State.UNMATCHED)

    retention.inbound_bodies_expire()

    unmatched.refresh_from_db()
    assert unmatched.state == InboundMessage.State.SET_ASIDE
    assert unmatched.reason == f"Its body was deleted after {settings.RETENTION_DAYS} days."


def test_a_message_not_processed_yet_is_left_for_the_worker():
    waiting = message(state=InboundMessage.State.RECEIVED)

    assert retention.inbound_bodies_expire() == 0
    waiting.refresh_from_db()
    assert bytes(waiting.raw)


def test_retention_days_come_from_the_setting(settings):
    settings.RETENTION_DAYS = 5
    message(age_days=10)

    assert retention.inbound_bodies_expire() == 1


# The outbox -----------------------------------------------------------------------------------


def test_an_old_email_keeps_to_whom_what_and_when_and_loses_its_body():
    sent, failed = email(), email(state=OutgoingEmail.State.FAILED, last_error="550 no such user")
    queued, recent = email(state=OutgoingEmail.State.QUEUED), email(age_days=3)

    assert retention.outbox_bodies_expire() == 2

    for old in (sent, failed):
        old.refresh_from_db()
        assert (old.body_text, old.body_html) == ("", "")
        assert (old.to, old.subject, old.kind) == (
            "ann@example.com",
            "We have your complaint",
            "complaint-acknowledgement",
        )
    assert failed.last_error == "550 no such user"
    for kept in (queued, recent):
        kept.refresh_from_db()
        assert kept.body_text == "Dear Ann, we have it."
    assert retention.outbox_bodies_expire() == 0


def test_a_failed_email_whose_body_is_gone_is_not_sent_again():
    from core.outbox.queue import emails_retry

    failed = email(state=OutgoingEmail.State.FAILED)
    retention.outbox_bodies_expire()

    assert emails_retry([failed.pk]) == 0
    failed.refresh_from_db()
    assert failed.state == OutgoingEmail.State.FAILED


# Import files ---------------------------------------------------------------------------------


def test_an_imported_file_is_not_kept(manager_user):
    customer_import = imports.import_upload_create(
        created_by=manager_user, filename="a.csv", text="name\nAnn\n", duplicates="skip"
    )

    import_now(customer_import, user=manager_user)

    customer_import.refresh_from_db()
    assert (customer_import.text, customer_import.preview) == ("", None)
    assert (customer_import.filename, customer_import.created_count) == ("a.csv", 1)


def test_a_file_imported_before_loses_its_contents_and_keeps_its_record():
    before = upload(CustomerImport.State.IMPORTED, age_hours=2, created_count=1)

    assert retention.import_files_expire() == 1

    before.refresh_from_db()
    assert (before.text, before.preview, before.created_count) == ("", None, 1)
    assert retention.import_files_expire() == 0


@pytest.mark.parametrize("state", ["ready", "invalid", "failed"])
def test_a_file_left_unimported_for_a_day_is_deleted(state):
    abandoned, fresh = upload(state, age_hours=25), upload(state, age_hours=20)

    retention.import_files_expire()

    assert not CustomerImport.objects.filter(pk=abandoned.pk).exists()
    assert CustomerImport.objects.filter(pk=fresh.pk).exists()


@pytest.mark.parametrize("state", ["checking", "importing"])
def test_a_file_the_worker_has_in_hand_is_left_to_it(state):
    working = upload(state, age_hours=48)

    retention.import_files_expire()

    working.refresh_from_db()
    assert working.text


def test_the_command_runs_every_sweep():
    from io import StringIO

    message(), email(), upload("ready", age_hours=30)
    out = StringIO()

    call_command("sweep_retention", stdout=out)

    assert out.getvalue().strip() == ("1 import files, 1 message bodies, 1 email bodies forgotten")


# Archived customers due to be erased ------------------------------------------------------------


@pytest.fixture
def due(staff_user, settings):
    settings.ERASE_ARCHIVED_AFTER_DAYS = 365
    quiet = CustomerFactory(
        name="Quiet Archived",
        owner=staff_user,
        archived_at=days_ago(400),
        last_contact_at=days_ago(500),
    )
    CustomerFactory(name="Lately Archived", owner=staff_user, archived_at=days_ago(10))
    CustomerFactory(
        name="Spoke Lately",
        owner=staff_user,
        archived_at=days_ago(400),
        last_contact_at=days_ago(30),
    )
    CustomerFactory(name="Still Live", owner=staff_user, last_contact_at=days_ago(500))
    return quiet


def test_archived_customers_out_of_touch_for_the_set_days_are_listed(manager_client, due):
    assert list(retention.erase_due()) == [due]

    page = manager_client.get(reverse("customers:erase-due")).content.decode()
    assert "Quiet Archived" in page
    assert reverse("customers:erase", args=[due.pk]) in page
    assert "Spoke Lately" not in page and "Still Live" not in page


def test_an_erased_customer_leaves_the_list(manager_user, due):
    customer_erase(due.pk, by=manager_user)

    assert list(retention.erase_due()) == []


def test_the_list_is_off_by_default(manager_client, due, settings):
    settings.ERASE_ARCHIVED_AFTER_DAYS = 0

    assert list(retention.erase_due()) == []
    assert "This list is off" in manager_client.get(reverse("customers:erase-due")).content.decode()


def test_the_list_is_for_managers(staff_client):
    assert staff_client.get(reverse("customers:erase-due")).status_code == 403


@pytest.mark.parametrize("page", ["١٢", "9" * 40, "\x00", "-1"])
def test_a_bad_page_number_shows_a_page(manager_client, due, page):
    assert manager_client.get(reverse("customers:erase-due"), {"page": page}).status_code == 200
