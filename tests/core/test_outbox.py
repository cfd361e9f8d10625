"""The outbox against real SMTP servers: sent once, retried with backoff only while nothing was
handed over, never resent once the server may have it, and every failure on one page."""

import asyncio
import contextlib
import datetime
import socket
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from core.models import OutgoingEmail
from core.outbox.delivery import ABANDONED_ERROR, emails_due, emails_send
from core.outbox.queue import email_queue
from core.outbox.signals import email_settled
from tests.concurrency import at_once
from tests.outbox import send_queued
from tests.real_services import Inbox, free_port, smtp_server, use_smtp

State = OutgoingEmail.State


def _queue(to="ada@example.com", kind="test", body_text="Plain words.", **fields):
    return email_queue(kind, to=to, subject="Hello", body_text=body_text, **fields)


@pytest.fixture
def settled():
    """Every outcome announced to the apps, in order."""
    seen = []

    def receiver(sender, email, **kwargs):
        seen.append((email.pk, email.state))

    email_settled.connect(receiver, dispatch_uid="tests.settled")
    yield seen
    email_settled.disconnect(dispatch_uid="tests.settled")


# Queued with what it tells of ----------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_queued_in_a_transaction_that_rolls_back_never_exists():
    with contextlib.suppress(RuntimeError), transaction.atomic():
        _queue()
        raise RuntimeError("the case could not be saved")

    assert not OutgoingEmail.objects.exists()


@pytest.mark.django_db
def test_sent_twice_over_goes_once_with_its_headers_and_both_bodies(settled):
    email = _queue(body_html="<p>Plain words.</p>", headers={"List-Unsubscribe": "<https://x/u>"})

    assert emails_send([email.pk]) == 1
    assert emails_send([email.pk]) == 0

    (message,) = mail.outbox
    assert (message.to, message.subject, message.body) == (
        ["ada@example.com"],
        "Hello",
        "Plain words.",
    )
    assert message.alternatives[0][0] == "<p>Plain words.</p>"
    assert message.extra_headers["List-Unsubscribe"] == "<https://x/u>"
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == (State.SENT, 1, "")
    assert settled == [(email.pk, State.SENT)]


@pytest.mark.django_db
def test_a_secret_emails_bodies_are_erased_once_sent():
    email = _queue(secret=True, body_html="<a href='https://x/reset/abc'>reset</a>")

    send_queued()

    assert "reset" in mail.outbox[0].alternatives[0][0]
    email.refresh_from_db()
    assert (email.state, email.body_text, email.body_html) == (State.SENT, "", "")


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_emails_at_once_send_each_once(settings):
    with smtp_server(settings, Inbox()) as inbox:
        emails = [_queue(to=f"person{n}@example.com") for n in range(20)]
        ids = [email.pk for email in emails]

        assert sorted(at_once(lambda: emails_send(ids))) in (
            [0, 20],
            *([n, 20 - n] for n in range(1, 20)),
        )

    recipients = [address for envelope in inbox.envelopes for address in envelope.rcpt_tos]
    assert sorted(recipients) == sorted(email.to for email in emails)
    assert set(OutgoingEmail.objects.values_list("state", "attempts")) == {(State.SENT, 1)}


# Refused before it was handed over: retried, with backoff ------------------------------------


@pytest.mark.django_db
def test_try_again_later_waits_its_backoff_then_goes_once(settings, settled):
    settings.EMAIL_RETRY_BASE_SECONDS = 30
    with smtp_server(settings, Inbox(refuse_first=2)) as inbox:
        email = _queue()
        before = timezone.now()

        send_queued()
        email.refresh_from_db()
        assert (email.state, email.attempts) == (State.QUEUED, 1)
        assert email.last_error.startswith("SMTPDataError: (451")
        assert email.send_after >= before + datetime.timedelta(seconds=30)
        # Not due yet: the sweep leaves it, and a duplicate task cannot claim it.
        assert email.pk not in emails_due()
        assert emails_send([email.pk]) == 0

        _due_now(email)
        send_queued()
        email.refresh_from_db()
        assert email.send_after >= timezone.now() + datetime.timedelta(seconds=59)  # doubled

        _due_now(email)
        assert emails_send(emails_due()) == 1

    assert len(inbox.messages_to("ada@example.com")) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == (State.SENT, 3, "")
    assert settled == [(email.pk, State.SENT)]


def _due_now(email):
    OutgoingEmail.objects.filter(pk=email.pk).update(send_after=timezone.now())


@pytest.mark.django_db
def test_no_server_through_every_retry_fails_and_is_announced_once(settings, settled):
    settings.EMAIL_MAX_RETRIES, settings.EMAIL_RETRY_BASE_SECONDS = 2, 0
    use_smtp(settings, free_port())  # nothing listens there
    email = _queue()

    for _ in range(5):
        emails_send([email.pk])

    email.refresh_from_db()
    assert (email.state, email.attempts) == (State.FAILED, 3)
    assert email.last_error.startswith("ConnectionRefusedError:")
    assert settled == [(email.pk, State.FAILED)]


@pytest.mark.django_db
def test_a_batch_that_cannot_connect_backs_off_every_email_in_it(settings):
    settings.EMAIL_RETRY_BASE_SECONDS = 60
    use_smtp(settings, free_port())
    emails = [_queue(to=f"person{n}@example.com") for n in range(3)]

    assert emails_send([email.pk for email in emails]) == 0

    assert set(OutgoingEmail.objects.values_list("state", "attempts")) == {(State.QUEUED, 1)}
    assert emails_due() == []


class RefusingRecipient(Inbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such mailbox"


@pytest.mark.django_db
def test_a_mailbox_that_does_not_exist_fails_at_once_and_the_batch_goes_on(settings, settled):
    with smtp_server(settings, RefusingRecipient()) as inbox:
        email = _queue(to="nobody@example.com")

        send_queued()

    email.refresh_from_db()
    assert (email.state, email.attempts) == (State.FAILED, 1)
    assert "No such mailbox" in email.last_error
    assert inbox.envelopes == []
    assert settled == [(email.pk, State.FAILED)]


# Handed over, then the line went quiet: may have been sent, never resent ---------------------


class StallingInbox(Inbox):
    """Keeps the message, then answers only after the client has stopped waiting."""

    def __init__(self, stall):
        super().__init__()
        self.stall = stall

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.stall)
        return reply


class HangingUpInbox(Inbox):
    """Keeps the message, then drops the connection instead of answering."""

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        server.transport.close()
        return "250 Message accepted for delivery"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("handler", "error"),
    [(StallingInbox(stall=3), "timed out"), (HangingUpInbox(), "SMTPServerDisconnected")],
    ids=["stalls-past-the-timeout", "drops-after-data"],
)
def test_a_server_that_has_the_message_but_does_not_confirm_it_gets_it_once(
    settings, settled, handler, error, manager_client
):
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    with smtp_server(settings, handler) as inbox:
        email = _queue()
        second = _queue(to="grace@example.com")

        send_queued()
        # Nothing of it is due again, however often the sweep runs.
        assert email.pk not in emails_due()
        send_queued()

        assert len(inbox.messages_to("ada@example.com")) == 1
        # The next email of the batch dialled again and went too.
        assert len(inbox.messages_to("grace@example.com")) == 1

    email.refresh_from_db()
    assert email.state == State.UNCERTAIN
    assert email.last_error.startswith("MaybeSent:") and error in email.last_error
    assert (email.pk, State.UNCERTAIN) in settled
    page = manager_client.get("/emails/failed/").content.decode()
    assert f'name="email" value="{email.pk}"' in page and "May have been sent" in page
    second.refresh_from_db()
    assert second.state in (State.SENT, State.UNCERTAIN)


@contextlib.contextmanager
def never_greeting_server():
    """Accepts connections and says nothing, as a hung mail server does."""
    listener = socket.create_server(("127.0.0.1", 0))
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for sock in held:
            sock.close()
        listener.close()


@pytest.mark.django_db
def test_a_server_that_never_greets_holds_the_worker_for_the_timeout_and_is_retried(settings):
    settings.EMAIL_TIMEOUT, settings.EMAIL_RETRY_BASE_SECONDS = 1, 30
    with never_greeting_server() as port:
        use_smtp(settings, port)
        emails = [_queue(to=f"person{n}@example.com") for n in range(5)]
        started = time.monotonic()

        emails_send([email.pk for email in emails])

        # One connection attempt for the batch, not one per email, each bounded by the timeout.
        assert time.monotonic() - started < 3 * settings.EMAIL_TIMEOUT
    states = set(OutgoingEmail.objects.values_list("state", "attempts"))
    assert states == {(State.QUEUED, 1)}
    # Until its retries run out, when it fails and shows on the failures page.
    assert "timed out" in OutgoingEmail.objects.first().last_error


# A worker that died holding an email ---------------------------------------------------------


@pytest.mark.django_db
def test_an_email_left_claimed_by_a_dead_worker_is_marked_uncertain_once(settings, settled):
    settings.EMAIL_ABANDONED_AFTER_SECONDS = 60
    email = _queue()
    fresh = _queue(to="grace@example.com")
    claimed = timezone.now() - datetime.timedelta(seconds=61)
    OutgoingEmail.objects.filter(pk=email.pk).update(state=State.SENDING, claimed_at=claimed)
    OutgoingEmail.objects.filter(pk=fresh.pk).update(state=State.SENDING, claimed_at=timezone.now())

    assert emails_due() == []
    assert emails_due() == []

    email.refresh_from_db()
    assert (email.state, email.last_error) == (State.UNCERTAIN, ABANDONED_ERROR)
    # One still within any task's time limit may yet finish: left alone.
    assert OutgoingEmail.objects.get(pk=fresh.pk).state == State.SENDING
    assert settled == [(email.pk, State.UNCERTAIN)]
    assert mail.outbox == []


# The managers' page ----------------------------------------------------------------------------


@pytest.fixture
def failures(staff_user, manager_user):
    def failed(kind, state=State.FAILED, person=None, to="ada@example.com"):
        return OutgoingEmail.objects.create(
            kind=kind,
            to=to,
            subject=f"About {kind}",
            body_text="…",
            state=state,
            attempts=6,
            person=person,
            last_error="SMTPRecipientsRefused: no such mailbox",
        )

    return [
        failed("digest", person=staff_user, to=staff_user.email),
        failed("complaint-acknowledgement", State.UNCERTAIN, person=staff_user),
        failed("complaint-acknowledgement", to="<script>x</script>@example.com"),
        OutgoingEmail.objects.create(kind="digest", to="b@example.com", subject="s", body_text="b"),
    ]


@pytest.mark.django_db
def test_the_failures_page_counts_by_kind_and_person_and_escapes_addresses(
    manager_client, failures, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = manager_client.get("/emails/failed/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<div class="fs-3 fw-semibold" id="failed-total">3</div>' in page
    assert "2 failed, 1 may have been sent" in page
    assert 'href="?kind=complaint-acknowledgement">Complaint acknowledgement</a>: 2' in page
    assert "Sam Staff: 2" in page and "No one in particular: 1" in page
    assert "&lt;script&gt;x&lt;/script&gt;@example.com" in page
    assert "<script>x</script>" not in page
    assert "b@example.com" not in page  # queued, not failed

    digests = manager_client.get("/emails/failed/?kind=digest").content.decode()
    assert "About digest" in digests and "About complaint-acknowledgement" not in digests


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["\x00", "digest'--", "ｄｉｇｅｓｔ", "x" * 5000])
def test_the_failures_page_takes_any_kind_it_is_given(manager_client, failures, kind):
    response = manager_client.get("/emails/failed/", {"kind": kind})

    assert response.status_code == 200


@pytest.mark.django_db
def test_retry_one_sends_that_one_only_and_retry_all_sends_the_rest(manager_client, failures):
    digest, uncertain, escaped, _queued = failures

    response = manager_client.post(
        "/emails/failed/retry/", {"email": str(uncertain.pk), "next": "/emails/failed/"}
    )
    assert response.status_code == 302 and response["Location"] == "/emails/failed/"
    uncertain.refresh_from_db()
    assert (uncertain.state, uncertain.attempts) == (State.QUEUED, 0)
    assert OutgoingEmail.objects.filter(state=State.FAILED).count() == 2

    manager_client.post("/emails/failed/retry/", {"all": "1", "kind": "digest"})
    assert OutgoingEmail.objects.get(pk=digest.pk).state == State.QUEUED
    assert OutgoingEmail.objects.get(pk=escaped.pk).state == State.FAILED

    manager_client.post("/emails/failed/retry/", {"all": "1"})
    assert not OutgoingEmail.objects.filter(state__in=[State.FAILED, State.UNCERTAIN]).exists()
    assert send_queued() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "١٢", "9" * 40, "-1", "", "1.5"])
def test_retry_with_a_bad_id_retries_nothing(manager_client, failures, value):
    response = manager_client.post("/emails/failed/retry/", {"email": value})

    assert response.status_code == 302
    assert OutgoingEmail.objects.filter(state=State.FAILED).count() == 2


@pytest.mark.django_db
def test_the_admin_never_shows_a_secret_emails_bodies(manager_user, client):
    manager_user.is_staff = manager_user.is_superuser = True  # as the demo's manager is
    manager_user.save()
    client.force_login(manager_user)
    secret = _queue(secret=True, body_text="https://x/reset/SECRET-TOKEN")
    plain = _queue(body_text="Nothing to hide here")

    assert (
        "SECRET-TOKEN"
        not in client.get(f"/admin/crm/outgoingemail/{secret.pk}/change/").content.decode()
    )
    assert (
        "Nothing to hide here"
        in client.get(f"/admin/crm/outgoingemail/{plain.pk}/change/").content.decode()
    )


@pytest.mark.django_db
def test_a_receiver_that_fails_does_not_undo_the_record_that_it_was_sent(caplog):
    def broken(sender, email, **kwargs):
        OutgoingEmail.objects.create(kind="x", to="x", subject="x", body_text="x")
        raise RuntimeError("a bug upstairs")

    email_settled.connect(broken, dispatch_uid="tests.broken")
    try:
        email = _queue()
        assert send_queued() == 1
    finally:
        email_settled.disconnect(dispatch_uid="tests.broken")

    email.refresh_from_db()
    assert email.state == State.SENT
    assert OutgoingEmail.objects.count() == 1  # what the receiver wrote went with it
    assert "Recording the outcome of email" in caplog.text


@pytest.mark.django_db
def test_the_command_sends_what_is_due_once(capsys):
    _queue()
    later = _queue(to="grace@example.com")
    OutgoingEmail.objects.filter(pk=later.pk).update(
        send_after=timezone.now() + datetime.timedelta(hours=1)
    )

    call_command("send_emails")
    call_command("send_emails")

    assert capsys.readouterr().out == "1 emails sent\n0 emails sent\n"
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
