"""Mail sent to the real SMTP receiver with smtplib: stored once, then filed on the timeline."""

import smtplib
import threading
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

import pytest
from django.db import connection
from django.utils import timezone

from inbound import processing
from inbound.models import InboundMessage
from inbound.smtp import receiver
from inbound.storing import message_store
from interactions.models import Interaction
from interactions.signals import customer_experience_changed
from tests.concurrency import at_once
from tests.factories import CustomerFactory, UserFactory
from tests.real_services import free_port, private_queue

pytestmark = pytest.mark.django_db(transaction=True)
LOG_ADDRESS = "log@inbound.example.com"


@pytest.fixture
def smtp(settings, monkeypatch):
    """The receiver on a port of the test's own; tasks it queues go to a queue of the test's own."""
    settings.INBOUND_MAX_BYTES = 64 * 1024
    with private_queue(monkeypatch):
        controller = receiver(host="127.0.0.1", port=free_port())
        controller.start()
        try:
            yield controller
        finally:
            controller.stop()


def send(smtp, message: EmailMessage, *, to=(LOG_ADDRESS,)):
    with smtplib.SMTP(smtp.hostname, smtp.port) as client:
        return client.send_message(message, to_addrs=list(to))


def an_email(*, sender, to=LOG_ADDRESS, subject="Table for four", body="Can we book?", **headers):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="mail.example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def process_all():
    return [
        processing.message_process(pk) for pk in InboundMessage.objects.values_list("pk", flat=True)
    ]


def test_a_customers_email_lands_on_their_timeline(smtp):
    ada = CustomerFactory(name="Ada", email="Ada@Example.com", last_contact_at=None)
    body = (
        "Could we move Friday's booking to Saturday?\n\nThanks,\nAda\n\n"
        "On Mon, 1 Dec 2026 at 10:00, Rapport <hello@rapport.example> wrote:\n"
        "> Your booking is confirmed.\n"
    )
    send(smtp, an_email(sender="Ada <ada@example.com>", subject="Booking", body=body))
    assert process_all() == ["filed"]

    interaction = Interaction.objects.get(customer=ada)
    assert (interaction.kind, interaction.channel, interaction.initiated_by) == (
        "email",
        "email",
        "customer",
    )
    assert interaction.summary == "Booking"
    assert "move Friday's booking" in interaction.details
    assert "Your booking is confirmed" not in interaction.details  # the quoted history
    ada.refresh_from_db()
    assert ada.last_contact_at == interaction.occurred_at  # the check-in clock restarts
    message = InboundMessage.objects.get()
    assert (message.source, message.from_address) == ("smtp", "ada@example.com")
    assert list(message.interactions.all()) == [interaction]


def test_a_staff_bcc_is_logged_on_each_customer_addressed_as_started_by_us(smtp):
    sam = UserFactory(username="sam", email="Sam@shop.example")
    ada = CustomerFactory(email="ada@example.com")
    bob = CustomerFactory(email="bob@example.com")
    message = an_email(sender="Sam <sam@shop.example>", to="ada@example.com", subject="Your quote")
    message["Cc"] = "Bob <BOB@example.com>, someone@elsewhere.example"
    send(smtp, message, to=[LOG_ADDRESS])  # the log address only in the envelope: a BCC
    assert process_all() == ["filed"]
    logged = Interaction.objects.order_by("customer_id")
    assert [(i.customer, i.author, i.initiated_by) for i in logged] == [
        (ada, sam, "us"),
        (bob, sam, "us"),
    ]


def test_attachments_are_listed_with_their_names_and_sizes(smtp):
    ada = CustomerFactory(email="ada@example.com")
    message = an_email(sender="ada@example.com", body="The photos of the damage.")
    message.add_attachment(b"x" * 1234, maintype="image", subtype="jpeg", filename="crack.jpg")
    send(smtp, message)
    process_all()
    assert "Attachments: crack.jpg (1,234 bytes)" in Interaction.objects.get(customer=ada).details


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
        {"List-Id": "<offers.shop.example>"},
    ],
)
def test_automatic_mail_never_becomes_an_interaction(smtp, headers):
    CustomerFactory(email="ada@example.com")
    message = an_email(sender="ada@example.com", subject="Out of office")
    for name, value in headers.items():
        message[name] = value
    send(smtp, message)
    assert process_all() == ["ignored"]
    assert not Interaction.objects.exists()
    assert InboundMessage.objects.get().reason


def test_a_delivery_report_is_ignored(smtp):
    CustomerFactory(email="ada@example.com")
    send(smtp, an_email(sender="MAILER-DAEMON@mx.example.com", subject="Undelivered Mail"))
    assert process_all() == ["ignored"]
    assert InboundMessage.objects.get().reason == "a delivery report"


def test_mail_from_nobody_known_waits_unmatched(smtp):
    send(smtp, an_email(sender="stranger@elsewhere.example"))
    assert process_all() == ["unmatched"]
    assert not Interaction.objects.exists()


def test_the_same_message_sent_twice_and_at_once_is_stored_and_filed_once(smtp):
    CustomerFactory(email="ada@example.com")
    message = an_email(sender="ada@example.com")
    send(smtp, message)
    send(smtp, message)  # a sending server's retry
    barrier = threading.Barrier(3)

    def send_at_once():
        barrier.wait()
        send(smtp, message)

    threads = [threading.Thread(target=send_at_once) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert InboundMessage.objects.count() == 1
    (pk,) = InboundMessage.objects.values_list("pk", flat=True)
    outcomes = at_once(lambda: str(processing.message_process(pk)))
    assert sorted(outcomes) == ["None", "filed"]
    assert Interaction.objects.count() == 1


def test_a_message_without_a_message_id_is_recognised_by_its_content(db):
    raw = b"From: ada@example.com\r\nTo: log@x\r\nSubject: Hi\r\n\r\nSame words.\r\n"
    first, created = message_store(raw, source="smtp")
    assert created
    relayed = b"Received: from relay.example by mx\r\n" + raw
    again, created = message_store(relayed, source="imap")
    assert (again.pk, created) == (first.pk, False)
    _other, created = message_store(raw.replace(b"Same", b"Other"), source="smtp")
    assert created


def test_a_message_over_the_limit_is_refused_with_552_and_not_stored(smtp):
    message = an_email(sender="ada@example.com", body=("x" * 70 + "\n") * 1000)
    # Refused at MAIL FROM, where smtplib gives the size the server advertised a limit for.
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(smtp, message)
    assert refused.value.smtp_code == 552
    # A client that does not say the size first is refused once the data passes the limit.
    with smtplib.SMTP(smtp.hostname, smtp.port) as client:
        client.ehlo()
        client.esmtp_features.pop("size")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("ada@example.com", [LOG_ADDRESS], message.as_bytes(policy=SMTP))
    assert refused.value.smtp_code == 552
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe\x00garbage without any headers",
        b"From: =?utf-8?q?broken\r\nSubject: =?x-unknown?b?////?=\r\n\r\n\x80\x81\x82 body",
        b"From: ada@example.com\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n"
        b"\r\nhi\r\n",
        b"From: ada@example.com\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
        b"From: ada@example.com\r\nDate: Fri, 31 Dec 99999 25:61:00 +9999\r\n\r\nlate\r\n",
    ],
    ids=["no-headers", "bad-encodings", "unknown-charset", "empty-boundary", "impossible-date"],
)
def test_a_malformed_message_is_stored_and_processed_without_crashing(smtp, raw):
    CustomerFactory(email="ada@example.com")
    with smtplib.SMTP(smtp.hostname, smtp.port) as client:
        client.sendmail("someone@example.com", [LOG_ADDRESS], raw)
    (state,) = process_all()
    assert state in {"filed", "unmatched", "failed"}
    message = InboundMessage.objects.get()
    assert bytes(message.raw).rstrip(b"\r\n") == raw.rstrip(b"\r\n")
    if state == "failed":
        assert message.reason


def test_a_message_left_unprocessed_is_filed_by_the_sweep(db):
    ada = CustomerFactory(email="ada@example.com")
    message, _created = message_store(
        an_email(sender="ada@example.com").as_bytes(policy=SMTP), source="smtp"
    )
    InboundMessage.objects.filter(pk=message.pk).update(
        received_at=timezone.now() - processing.STRANDED_AFTER * 2
    )
    assert processing.messages_process_stranded() == 1
    assert Interaction.objects.filter(customer=ada).count() == 1
    assert processing.messages_process_stranded() == 0


def test_filing_alone_commits_without_waiting_for_the_disk(transactional_db):
    """A filing a crash loses is redone from the stored message by the sweep above, so its
    commit need not wait; the setting must not outlive the filing's transaction."""
    CustomerFactory(email="ada@example.com")
    message, _created = message_store(
        an_email(sender="ada@example.com").as_bytes(policy=SMTP), source="smtp"
    )
    seen = []

    def during_filing(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO on")
    customer_experience_changed.connect(during_filing)
    try:
        assert processing.message_process(message.pk) == "filed"
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            after = cursor.fetchone()[0]
    finally:
        customer_experience_changed.disconnect(during_filing)
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")

    assert seen == ["off"]
    assert after == "on"
