"""The customer's complaint emails: sent once, only to those who want them, and end to end
through a real Celery worker on Redis and a real SMTP server."""

import re
import smtplib
import threading
import time
from urllib.parse import urlsplit

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import dateformat, timezone

from config.celery import app as celery_app
from customers.models import Customer
from interactions.complaints import services as complaints
from interactions.complaints.services import (
    complaint_open,
    complaint_send_email,
    complaint_transition,
)
from interactions.models import Complaint, ComplaintEvent
from interactions.tasks import send_complaint_email
from tests.factories import CustomerFactory
from tests.real_services import Inbox, smtp_server

from .factories import ComplaintFactory

ACK, RESOLUTION = complaints.ACKNOWLEDGEMENT, complaints.RESOLUTION


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _resolved(complaint, summary="Sent a replacement kettle."):
    Complaint.objects.filter(pk=complaint.pk).update(
        status="resolved",
        first_response_at=timezone.now(),
        resolved_at=timezone.now(),
        resolution_summary=summary,
    )


# Once, and only to those who want it (locmem backend) -----------------------------------------


@pytest.mark.django_db
def test_the_task_run_twice_sends_once():
    complaint = ComplaintFactory(customer=CustomerFactory(email="ada@example.com"))

    assert complaint_send_email(complaint.pk, ACK) is True
    assert complaint_send_email(complaint.pk, ACK) is False
    send_complaint_email.apply(args=(complaint.pk, ACK))

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert complaint.events.filter(kind=ComplaintEvent.Kind.EMAIL).count() == 1
    complaint.refresh_from_db()
    assert complaint.acknowledgement_sent_at is not None


@pytest.mark.django_db
def test_an_opted_out_customer_gets_no_email():
    complaint = ComplaintFactory(customer=CustomerFactory(email_opt_out=True))
    _resolved(complaint)

    assert complaint_send_email(complaint.pk, ACK) is False
    assert complaint_send_email(complaint.pk, RESOLUTION) is False

    assert mail.outbox == []
    assert not complaint.events.exists()


@pytest.mark.django_db
def test_a_customer_without_an_email_address_gets_none():
    complaint = ComplaintFactory(customer=CustomerFactory(email=""))

    assert complaint_send_email(complaint.pk, ACK) is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_resolution_notice_for_a_case_reopened_before_the_task_ran():
    complaint = ComplaintFactory()

    assert complaint_send_email(complaint.pk, RESOLUTION) is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_case_resolved_again_after_reopening_sends_a_second_notice():
    complaint = ComplaintFactory()
    actor = complaint.assignee
    complaint_transition(complaint, to_status="resolved", actor=actor, resolution_summary="One.")
    assert complaint_send_email(complaint.pk, RESOLUTION)
    complaint_transition(complaint, to_status="open", actor=actor)
    complaint_transition(complaint, to_status="resolved", actor=actor, resolution_summary="Two.")

    assert complaint_send_email(complaint.pk, RESOLUTION)
    assert complaint_send_email(complaint.pk, RESOLUTION) is False

    assert len(mail.outbox) == 2
    assert "Two." in mail.outbox[1].body


@pytest.mark.django_db
def test_the_email_content_is_escaped_in_html_and_plain_in_text():
    complaint = ComplaintFactory(
        summary="<b>Kettle</b> & lid", customer=CustomerFactory(name="Ada <Countess>")
    )

    complaint_send_email(complaint.pk, ACK)

    message = mail.outbox[0]
    html = message.alternatives[0].content
    assert "&lt;b&gt;Kettle&lt;/b&gt; &amp; lid" in html
    assert "Ada &lt;Countess&gt;" in html
    assert "<b>Kettle</b> & lid" in message.body
    assert message.subject == f"We have your complaint (case #{complaint.pk})"


@pytest.mark.django_db
def test_an_smtp_failure_releases_the_claim_so_the_retry_sends(monkeypatch):
    complaint = ComplaintFactory()

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(complaints, "send_templated_email", refuse)
    with pytest.raises(smtplib.SMTPException):
        complaint_send_email(complaint.pk, ACK)
    complaint.refresh_from_db()
    assert complaint.acknowledgement_sent_at is None

    monkeypatch.undo()
    assert complaint_send_email(complaint.pk, ACK) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_email_that_fails_every_retry_is_put_on_the_case(monkeypatch, settings):
    settings.EMAIL_MAX_RETRIES = 3
    complaint = ComplaintFactory()
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(1)
        raise smtplib.SMTPConnectError(421, "try later")

    monkeypatch.setattr(complaints, "send_templated_email", refuse)

    # Eagerly, Celery runs the retries at once instead of backing off.
    send_complaint_email.apply(args=(complaint.pk, ACK))

    assert len(attempts) == 3 + 1
    event = complaint.events.get(kind=ComplaintEvent.Kind.EMAIL)
    assert event.note.startswith("Could not email the acknowledgement to the customer")
    complaint.refresh_from_db()
    assert complaint.acknowledgement_sent_at is None


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_once():
    user = get_user_model().objects.create(username="sam")
    complaint = ComplaintFactory(
        customer=CustomerFactory(owner=user), opened_by=user, interaction__author=user
    )
    start, results = threading.Barrier(2), []

    def send():
        try:
            start.wait(timeout=10)
            results.append(complaint_send_email(complaint.pk, ACK))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1


# End to end: Redis, a real worker, a real SMTP server -----------------------------------------


def _eventually(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture
def inbox(settings):
    with smtp_server(settings, Inbox()) as handler:
        yield handler


@pytest.fixture
def worker(inbox):
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def _part(message, subtype):
    # Over the wire lines end in CRLF; compare with what the templates wrote.
    return message.get_body((subtype,)).get_content().replace("\r\n", "\n")


def _unsubscribe_path(url):
    assert url.startswith("http://127.0.0.1:8000/unsubscribe/"), url
    return urlsplit(url).path


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_customer_is_emailed_at_opening_and_resolution(inbox, worker, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    staff = get_user_model().objects.create(username="sam", first_name="Sam")
    customer = CustomerFactory(name="Ada Lovelace", email="ada@example.com", owner=staff)

    complaint = complaint_open(
        customer=customer, summary="Kettle <leaks> & hisses", severity="high", opened_by=staff
    )

    # The acknowledgement ----------------------------------------------------------------------
    (ack,) = inbox.wait_for("ada@example.com", 1)
    assert ack["Subject"] == f"We have your complaint (case #{complaint.pk})"
    assert ack["To"] == "ada@example.com"
    assert ack["From"] == settings.DEFAULT_FROM_EMAIL
    text = _part(ack, "plain")
    respond_by = dateformat.format(timezone.localtime(complaint.respond_by), "l j F, H:i")
    assert "Dear Ada Lovelace," in text
    assert f'case #{complaint.pk}: "Kettle <leaks> & hisses"' in text
    assert f"Someone will be in touch by {respond_by}" in text
    html = _part(ack, "html")
    assert f"case #{complaint.pk}" in html
    assert "Kettle &lt;leaks&gt; &amp; hisses" in html
    assert respond_by in html

    link = re.search(r"(http://\S+/unsubscribe/\S+/)", text).group(1)
    # A long header is folded onto a continuation line; unfolded, it keeps the leading space.
    assert ack["List-Unsubscribe"].strip() == f"<{link}>"
    assert ack["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'href="{link}"' in html
    page = Client().get(_unsubscribe_path(link))
    assert page.status_code == 200
    assert "Stop emails to ada@example.com?" in page.content.decode()
    assert Customer.objects.get(pk=customer.pk).email_opt_out is False  # only asked
    # The worker records the email on the case just after the SMTP server has it.
    _eventually(lambda: complaint.events.filter(kind="email").count() == 1)

    # The resolution notice --------------------------------------------------------------------
    complaint_transition(
        complaint,
        to_status="resolved",
        actor=staff,
        resolution_summary="We replaced the kettle.\nThe new one is quieter.",
    )

    notice = inbox.wait_for("ada@example.com", 2)[1]
    assert notice["Subject"] == f"Your complaint is resolved (case #{complaint.pk})"
    text = _part(notice, "plain")
    assert f"Case #{complaint.pk}" in text
    assert "We replaced the kettle.\nThe new one is quieter." in text
    assert "We replaced the kettle.<br>The new one is quieter." in _part(notice, "html")
    # Each email carries its own signed link; any of them works.
    notice_link = re.search(r"(http://\S+/unsubscribe/\S+/)", text).group(1)
    assert notice["List-Unsubscribe"].strip() == f"<{notice_link}>"
    assert Client().get(_unsubscribe_path(notice_link)).status_code == 200

    # The unsubscribe link works without logging in, and nothing more is sent -------------------
    response = Client(enforce_csrf_checks=True).post(_unsubscribe_path(link))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).email_opt_out is True

    complaint_transition(complaint, to_status="open", actor=staff)
    complaint_transition(complaint, to_status="resolved", actor=staff, resolution_summary="Again.")
    # The worker takes tasks in order: once a later email arrives, the resolution task has run.
    sentinel = CustomerFactory(email="grace@example.com", owner=staff)
    complaint_open(customer=sentinel, summary="Late", severity="low", opened_by=staff)
    inbox.wait_for("grace@example.com", 1)
    assert len(inbox.messages_to("ada@example.com")) == 2


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_opted_out_customer_gets_nothing_through_the_worker(inbox, worker):
    staff = get_user_model().objects.create(username="sam")
    quiet = CustomerFactory(email="quiet@example.com", email_opt_out=True, owner=staff)
    keen = CustomerFactory(email="keen@example.com", owner=staff)

    complaint_open(customer=quiet, summary="Scratched", severity="urgent", opened_by=staff)
    complaint_open(customer=keen, summary="Dented", severity="urgent", opened_by=staff)

    inbox.wait_for("keen@example.com", 1)
    assert inbox.messages_to("quiet@example.com") == []
    assert not ComplaintEvent.objects.filter(complaint__customer=quiet, kind="email").exists()
