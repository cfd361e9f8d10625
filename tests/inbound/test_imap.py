"""Polling a real IMAP server (Dovecot, started for each test): new mail stored once and filed,
server mail left as it was, a renumbered folder read again without importing twice."""

import datetime
import smtplib

import pytest
from django.core.checks import run_checks
from django.utils import timezone
from imap_tools import MailBoxUnencrypted

from inbound import imap
from inbound.models import InboundMessage, Mailbox
from inbound.smtp import receiver
from interactions.models import Interaction
from tests.concurrency import at_once
from tests.factories import CustomerFactory
from tests.real_services import dovecot_server, free_port, private_queue

from .test_smtp_receiver import an_email, process_all

pytestmark = [pytest.mark.imap, pytest.mark.django_db(transaction=True)]
USER, PASSWORD = "rapport", "p@ss wörd"


@pytest.fixture
def server(settings, monkeypatch):
    """Dovecot with one account, named in INBOUND_IMAP_URLS; yields a way to open the account."""
    with private_queue(monkeypatch), dovecot_server({USER: PASSWORD}) as port:
        settings.INBOUND_IMAP_URLS = [f"imap://{USER}:p%40ss%20w%C3%B6rd@127.0.0.1:{port}/INBOX"]
        settings.INBOUND_MAX_BYTES = 64 * 1024

        def account():
            return MailBoxUnencrypted("127.0.0.1", port).login_utf8(USER, PASSWORD)

        yield account


def deliver(account, *messages, folder="INBOX"):
    with account() as box:
        for message in messages:
            box.append(message if isinstance(message, bytes) else message.as_bytes(), folder)


def server_state(account, folder="INBOX"):
    """Each message on the server: its UID and flags."""
    with account() as box:
        box.folder.set(folder)
        return [(m.uid, m.flags) for m in box.fetch(mark_seen=False, headers_only=True)]


def test_a_customers_email_in_the_mailbox_lands_on_their_timeline(server):
    ada = CustomerFactory(email="ada@example.com")
    deliver(server, an_email(sender="Ada <ADA@example.com>", body="Can we move to Friday?"))

    assert imap.mailboxes_poll() == 1
    assert process_all() == ["filed"]
    interaction = Interaction.objects.get(customer=ada)
    assert (interaction.kind, interaction.initiated_by) == ("email", "customer")
    assert interaction.details == "Can we move to Friday?"
    assert InboundMessage.objects.get().source == "imap"


def test_polling_again_stores_nothing_twice_and_leaves_server_mail_unread_in_place(server):
    deliver(server, an_email(sender="ada@example.com"), an_email(sender="bo@example.com"))
    before = server_state(server)

    assert imap.mailboxes_poll() == 2
    assert imap.mailboxes_poll() == 0
    deliver(server, an_email(sender="cy@example.com"))
    assert imap.mailboxes_poll() == 1

    assert InboundMessage.objects.count() == 3
    after = server_state(server)
    assert after[:2] == before  # neither deleted, moved nor marked read
    assert all("\\Seen" not in flags and "\\Deleted" not in flags for _uid, flags in after)
    mailbox = Mailbox.objects.get()
    assert (mailbox.last_uid, mailbox.last_error) == (3, "")
    assert mailbox.last_reached_at is not None


def test_the_same_message_by_smtp_and_by_imap_is_stored_once(server):
    message = an_email(sender="ada@example.com")
    controller = receiver(host="127.0.0.1", port=free_port())
    controller.start()
    try:
        with smtplib.SMTP(controller.hostname, controller.port) as client:
            client.send_message(message, to_addrs=["log@example.com"])
    finally:
        controller.stop()
    deliver(server, message)

    assert imap.mailboxes_poll() == 0
    assert InboundMessage.objects.get().source == "smtp"


def test_a_renumbered_folder_is_read_again_without_importing_twice(server, settings):
    settings.INBOUND_IMAP_URLS = [settings.INBOUND_IMAP_URLS[0].replace("/INBOX", "/Rapport")]
    with server() as box:
        box.folder.create("Rapport")
    first, second = an_email(sender="ada@example.com"), an_email(sender="bo@example.com")
    deliver(server, first, second, folder="Rapport")
    assert imap.mailboxes_poll() == 2
    old_validity = Mailbox.objects.get().uidvalidity

    # The folder is made anew: the server numbers its messages again from 1.
    with server() as box:
        box.folder.delete("Rapport")
        box.folder.create("Rapport")
    deliver(server, second, first, an_email(sender="cy@example.com"), folder="Rapport")

    assert imap.mailboxes_poll() == 1
    mailbox = Mailbox.objects.get()
    assert mailbox.uidvalidity != old_validity
    assert mailbox.last_uid == 3
    assert InboundMessage.objects.count() == 3


def test_two_workers_polling_at_once_store_each_message_once(server):
    deliver(server, *[an_email(sender=f"c{n}@example.com") for n in range(5)])
    results = at_once(imap.mailboxes_poll)

    assert sum(results) == 5
    assert InboundMessage.objects.count() == 5


def test_a_message_above_the_limit_is_left_in_the_mailbox_and_shown_to_managers(
    server, manager_client, staff_client
):
    big = an_email(sender="ada@example.com", subject="Our floor plan", body="x" * 100_000)
    deliver(server, big, an_email(sender="ada@example.com"))

    assert imap.mailboxes_poll() == 2
    too_big = InboundMessage.objects.get(state="too_big")
    assert too_big.size > 100_000 and len(bytes(too_big.raw)) < 10_000
    assert "is still in the mailbox" in too_big.reason
    assert len(server_state(server)) == 2
    assert process_all().count(None) == 1  # the header kept is not filed
    page = manager_client.get("/inbox/").content.decode()
    assert "Our floor plan" in page and "INBOUND_MAX_BYTES" in page
    assert "Our floor plan" not in staff_client.get("/inbox/").content.decode()


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe\x00garbage without any headers\r\n",
        b"From: ada@example.com\r\nSubject: =?x-unknown?b?////?=\r\nContent-Type: text/plain; "
        b"charset=x-no-such-charset\r\n\r\n\x80\x81\x82 body\r\n",
    ],
    ids=["no-headers", "unknown-charset"],
)
def test_a_malformed_message_in_the_mailbox_is_stored_without_crashing_the_poll(server, raw):
    CustomerFactory(email="ada@example.com")
    deliver(server, raw, an_email(sender="ada@example.com"))

    assert imap.mailboxes_poll() == 2
    assert set(process_all()) <= {"filed", "unmatched", "failed"}
    assert Mailbox.objects.get().last_error == ""


def test_a_wrong_password_is_kept_as_the_mailboxs_error(server, settings):
    settings.INBOUND_IMAP_URLS = [settings.INBOUND_IMAP_URLS[0].replace("p%40ss", "wrong")]
    deliver(server, an_email(sender="ada@example.com"))

    assert imap.mailboxes_poll() == 0
    mailbox = Mailbox.objects.get()
    assert "AUTHENTICATIONFAILED" in mailbox.last_error or "failed" in mailbox.last_error.lower()
    assert mailbox.last_reached_at is None and mailbox.claimed_until is None


def test_managers_see_a_mailbox_unreachable_for_an_hour_with_its_error(settings, manager_client):
    port = free_port()  # nothing listens there
    settings.INBOUND_IMAP_URLS = [f"imap://desk:secret@127.0.0.1:{port}/INBOX"]
    settings.INBOUND_IMAP_TIMEOUT = 5

    assert imap.mailboxes_poll() == 0
    mailbox = Mailbox.objects.get()
    assert "Connection refused" in mailbox.last_error
    # Within the hour it may be a passing fault: not shown yet.
    assert f"desk@127.0.0.1:{port}/INBOX" not in manager_client.get("/dashboard/").content.decode()

    hour_ago = timezone.now() - datetime.timedelta(hours=1, minutes=1)
    Mailbox.objects.update(created_at=hour_ago)
    page = manager_client.get("/dashboard/").content.decode()
    assert f"desk@127.0.0.1:{port}/INBOX" in page and "Connection refused" in page
    assert "secret" not in page


@pytest.mark.parametrize(
    "url",
    ["pop3://desk:secret@mail.example.com/INBOX", "imaps://mail.example.com/INBOX", "imaps://"],
)
def test_a_mistyped_mailbox_url_stops_the_start_with_what_to_write(settings, url):
    settings.INBOUND_IMAP_URLS = [url]

    errors = [error for error in run_checks() if error.id == "inbound.E001"]

    assert len(errors) == 1
    assert "INBOUND_IMAP_URLS, mailbox 1" in errors[0].msg and "imaps://" in errors[0].hint
