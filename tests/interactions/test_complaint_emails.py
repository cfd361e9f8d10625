"""The customer's complaint emails: queued with the case, sent once through the outbox, only to
those who want them, and end to end through a real Celery worker on Redis and a real SMTP
server."""

import datetime
import re
import time
from urllib.parse import urlsplit

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import dateformat, timezone

from config.celery import app as celery_app
from core.models import OutgoingEmail
from core.outbox.delivery import ABANDONED_ERROR, emails_due, emails_send
from core.outbox.tasks import send_due_emails, send_emails
from customers.models import Customer
from interactions.complaints.services import complaint_open, complaint_transition
from interactions.models import ComplaintEvent
from tests.concurrency import at_once
from tests.factories import CustomerFactory
from tests.outbox import queued, send_queued, worker_dies_sending
from tests.real_services import Inbox, private_queue, smtp_server

ACK, RESOLUTION = "complaint-acknowledgement", "complaint-resolution"
State = OutgoingEmail.State


def _open(customer=None, summary="Kettle leaks"):
    """A case opened the ordinary way, which queues its acknowledgement."""
    customer = customer or CustomerFactory(email="ada@example.com")
    return complaint_open(
        customer=customer, summary=summary, severity="normal", opened_by=customer.owner
    )


def _resolve(complaint, summary="Sent a replacement kettle."):
    return complaint_transition(
        complaint, to_status="resolved", actor=complaint.assignee, resolution_summary=summary
    )


def _email_notes(complaint):
    return list(
        complaint.events.filter(kind=ComplaintEvent.Kind.EMAIL)
        .order_by("pk")
        .values_list("note", flat=True)
    )


# Once, and only to those who want it (locmem backend) -----------------------------------------


@pytest.mark.django_db
def test_the_send_run_twice_sends_once():
    complaint = _open()
    (email,) = queued(ACK)

    assert send_queued() == 1
    assert send_queued() == 0
    assert emails_send([email.pk]) == 0
    send_emails.apply(args=([email.pk],))  # a redelivered task

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert _email_notes(complaint) == ["Acknowledgement sent"]
    complaint.refresh_from_db()
    email.refresh_from_db()
    assert (email.state, email.attempts) == (State.SENT, 1)
    assert complaint.acknowledgement_sent_at == email.sent_at


@pytest.mark.django_db
def test_an_opted_out_customer_gets_no_email():
    complaint = _open(CustomerFactory(email="quiet@example.com", email_opt_out=True))
    _resolve(complaint)

    assert not OutgoingEmail.objects.exists()
    assert send_queued() == 0
    assert mail.outbox == []
    assert _email_notes(complaint) == []


@pytest.mark.django_db
def test_a_customer_without_an_email_address_gets_none():
    complaint = _open(CustomerFactory(email=""))
    _resolve(complaint)

    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_resolution_notice_for_a_case_reopened_before_it_went_out():
    complaint = _open()
    send_queued()
    _resolve(complaint)

    complaint_transition(complaint, to_status="open", actor=complaint.assignee)
    send_queued()

    assert [m.subject for m in mail.outbox] == [f"We have your complaint (case #{complaint.pk})"]
    complaint.refresh_from_db()
    assert complaint.resolution_notice_sent_at is None


@pytest.mark.django_db
def test_a_case_resolved_again_after_reopening_sends_a_second_notice():
    complaint = _open()
    _resolve(complaint, "One.")
    assert send_queued() == 2  # the acknowledgement and the first notice
    complaint_transition(complaint, to_status="open", actor=complaint.assignee)
    _resolve(complaint, "Two.")

    assert send_queued() == 1
    assert send_queued() == 0

    notices = [m for m in mail.outbox if m.subject.startswith("Your complaint is resolved")]
    assert [("One." in m.body, "Two." in m.body) for m in notices] == [(True, False), (False, True)]
    assert _email_notes(complaint).count("Resolution notice sent") == 2
    complaint.refresh_from_db()
    assert complaint.resolution_notice_sent_at is not None


@pytest.mark.django_db
def test_the_email_content_is_escaped_in_html_and_plain_in_text():
    complaint = _open(CustomerFactory(name="Ada <Countess>"), summary="<b>Kettle</b> & lid")

    send_queued()

    (message,) = mail.outbox
    html = message.alternatives[0].content
    assert "&lt;b&gt;Kettle&lt;/b&gt; &amp; lid" in html
    assert "Ada &lt;Countess&gt;" in html
    assert "<b>Kettle</b> & lid" in message.body
    assert message.subject == f"We have your complaint (case #{complaint.pk})"


# A send that fails (a real SMTP server) -------------------------------------------------------


@pytest.mark.django_db
def test_a_server_that_says_try_later_gets_the_email_again_after_the_backoff(settings):
    settings.EMAIL_RETRY_BASE_SECONDS = 30
    with smtp_server(settings, Inbox(refuse_first=1)) as inbox:
        complaint = _open()
        (email,) = queued(ACK)
        before = timezone.now()

        assert send_queued() == 0

        email.refresh_from_db()
        assert (email.state, email.attempts) == (State.QUEUED, 1)
        assert email.last_error.startswith("SMTPDataError")
        assert "Try again later" in email.last_error
        wait = datetime.timedelta(seconds=30)
        assert before + wait <= email.send_after <= timezone.now() + wait
        assert emails_send([email.pk]) == 0  # not due yet
        assert _email_notes(complaint) == []
        complaint.refresh_from_db()
        assert complaint.acknowledgement_sent_at is None

        # Thirty seconds on, beat's sweep finds it due.
        OutgoingEmail.objects.filter(pk=email.pk).update(send_after=timezone.now())
        assert emails_send(emails_due()) == 1

    assert len(inbox.messages_to("ada@example.com")) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == (State.SENT, 2, "")
    assert _email_notes(complaint) == ["Acknowledgement sent"]


@pytest.mark.django_db
def test_an_email_refused_through_every_retry_is_put_on_the_case(settings):
    settings.EMAIL_MAX_RETRIES = 3
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    with smtp_server(settings, Inbox(refuse_first=10)) as inbox:
        complaint = _open()
        for _ in range(10):
            if not queued().exists():
                break
            send_queued()

    assert 10 - inbox.refusals_left == 3 + 1  # the first try and three retries
    assert inbox.envelopes == []
    (email,) = OutgoingEmail.objects.all()
    assert (email.state, email.attempts) == (State.FAILED, 4)
    (note,) = _email_notes(complaint)
    assert note == f"Could not email the acknowledgement to the customer: {email.last_error}"
    assert "Try again later" in note
    complaint.refresh_from_db()
    assert complaint.acknowledgement_sent_at is None


class NoSuchMailbox(Inbox):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "550 5.1.1 No such mailbox"


@pytest.mark.django_db
def test_an_email_refused_for_good_fails_at_once_and_is_put_on_the_case(settings):
    with smtp_server(settings, NoSuchMailbox()):
        complaint = _open()
        assert send_queued() == 0

    (email,) = OutgoingEmail.objects.all()
    assert (email.state, email.attempts) == (State.FAILED, 1)
    assert "No such mailbox" in email.last_error
    assert _email_notes(complaint) == [
        f"Could not email the acknowledgement to the customer: {email.last_error}"
    ]


# Lost tasks and dead workers: beat's sweep ----------------------------------------------------


@pytest.mark.django_db
def test_an_acknowledgement_whose_task_was_lost_goes_out_once_with_the_sweep(monkeypatch):
    # In this test the task enqueued on commit never runs, as when the broker was down.
    complaint = _open()
    assert mail.outbox == []
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)

    send_due_emails.delay()
    send_due_emails.delay()

    assert len(mail.outbox) == 1
    assert _email_notes(complaint) == ["Acknowledgement sent"]


@pytest.mark.django_db
def test_an_acknowledgement_whose_worker_died_mid_send_is_put_on_the_case_not_resent(
    monkeypatch, settings
):
    complaint = _open()
    (email,) = queued(ACK)

    worker_dies_sending(monkeypatch)

    # Still within the time a task may take: its worker may be sending it right now.
    assert emails_due() == []
    email.refresh_from_db()
    assert email.state == State.SENDING
    assert _email_notes(complaint) == []

    later = timezone.now() + datetime.timedelta(seconds=settings.EMAIL_ABANDONED_AFTER_SECONDS + 1)
    assert emails_due(later) == []
    assert emails_due(later) == []  # a second sweep adds nothing

    email.refresh_from_db()
    assert email.state == State.UNCERTAIN
    assert _email_notes(complaint) == [
        f"The acknowledgement may not have reached the customer: {ABANDONED_ERROR}"
    ]
    assert emails_send([email.pk]) == 0
    assert mail.outbox == []
    complaint.refresh_from_db()
    assert complaint.acknowledgement_sent_at is None


# Two workers at once (PostgreSQL) -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_once(monkeypatch):
    with private_queue(monkeypatch):  # where the task enqueued on commit waits, unrun
        complaint = _open()
        (email,) = queued(ACK)
        results = at_once(lambda: emails_send([email.pk]))

    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == (State.SENT, 1)
    assert _email_notes(complaint) == ["Acknowledgement sent"]


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
def worker(inbox, monkeypatch):
    # A queue of the test's own, so another run sharing the Redis server cannot take its tasks.
    with (
        private_queue(monkeypatch) as queue,
        start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=10,
            queues=[queue],
        ),
    ):
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
    # The worker takes tasks in order: once a later email arrives, any for Ada has gone too.
    sentinel = CustomerFactory(email="grace@example.com", owner=staff)
    complaint_open(customer=sentinel, summary="Late", severity="low", opened_by=staff)
    inbox.wait_for("grace@example.com", 1)
    assert len(inbox.messages_to("ada@example.com")) == 2
    assert not OutgoingEmail.objects.filter(to="ada@example.com").exclude(state="sent").exists()


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
    assert not OutgoingEmail.objects.filter(to="quiet@example.com").exists()
    assert not ComplaintEvent.objects.filter(complaint__customer=quiet, kind="email").exists()
