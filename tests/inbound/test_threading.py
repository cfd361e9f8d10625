"""Replies find their case: by the signed Reply-To of the email they answer, by References
alone, or by the case number in the subject; only ever a case of the customer who wrote."""

import datetime
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.utils import timezone

from core.outbox.delivery import emails_send
from core.outbox.queue import email_queue
from core.outbox.replies import email_replied_to, reply_address
from inbound import processing, threads
from inbound.models import InboundMessage
from inbound.parsing import parse
from inbound.smtp import receiver
from interactions.complaints.emails import ACKNOWLEDGEMENT, complaint_email_queue
from interactions.digests import schedule_digests
from interactions.models import Complaint, ComplaintEvent, Reminder
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory
from tests.outbox import send_queued
from tests.real_services import Inbox, free_port, private_queue, smtp_server

pytestmark = pytest.mark.django_db(transaction=True)
LOG_ADDRESS = "log@localhost"


@pytest.fixture
def smtp(settings, monkeypatch):
    with private_queue(monkeypatch):
        controller = receiver(host="127.0.0.1", port=free_port())
        controller.start()
        try:
            yield controller
        finally:
            controller.stop()


@pytest.fixture
def case():
    sam = UserFactory(username="sam")
    ada = CustomerFactory(name="Ada", email="ada@example.com", owner=sam)
    return ComplaintFactory(customer=ada, assignee=sam, summary="Cold soup")


def acknowledge(settings, case):
    """Send the case's acknowledgement through a real SMTP server; the message as it arrived."""
    email = complaint_email_queue(case, ACKNOWLEDGEMENT)
    with smtp_server(settings, Inbox()) as inbox:
        assert emails_send([email.pk]) == 1
        (sent,) = inbox.messages_to(case.customer.email)
    email.refresh_from_db()
    return email, sent


def reply(smtp, *, sender="ada@example.com", to=LOG_ADDRESS, subject="Re: your email", **headers):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(
        "It is still cold.\n\nOn Monday Rapport wrote:\n> Thank you for telling us."
    )
    with smtplib.SMTP(smtp.hostname, smtp.port) as client:
        client.send_message(message, to_addrs=[to])
    (pk,) = InboundMessage.objects.filter(dedupe_key=message["Message-ID"]).values_list(
        "pk", flat=True
    )
    return processing.message_process(pk)


def replies_on(case):
    return list(
        ComplaintEvent.objects.filter(complaint=case, kind=ComplaintEvent.Kind.REPLY).values_list(
            "note", flat=True
        )
    )


def test_an_email_to_a_customer_about_a_case_carries_its_message_id_and_a_signed_reply_to(
    settings, case
):
    email, sent = acknowledge(settings, case)
    assert sent["Message-ID"] == email.message_id
    assert sent["Reply-To"] == reply_address(email)
    assert email_replied_to(sent["Reply-To"]) == email
    assert email_replied_to(sent["Reply-To"].upper()) == email  # a server changed its case
    assert email.person == case.customer.owner  # a customer email still names its owner
    forged = sent["Reply-To"].replace(f"reply+{email.pk}-", f"reply+{email.pk + 1}-")
    assert email_replied_to(forged) is None


def test_a_staff_email_has_no_reply_to(settings):
    sam = UserFactory(email="sam@shop.example")
    email = email_queue("digest", to=sam.email, subject="Today", body_text="Call Ada.", person=sam)
    assert reply_address(email) is None


def test_a_reply_to_the_signed_address_lands_on_the_case(settings, smtp, case):
    _email, sent = acknowledge(settings, case)
    assert reply(smtp, to=sent["Reply-To"]) == "filed"
    assert replies_on(case) == ["It is still cold."]
    reminder = Reminder.objects.get(kind=Reminder.Kind.COMPLAINT_REPLY)
    assert (reminder.object_id, reminder.recipient, reminder.state) == (
        case.pk,
        case.assignee,
        "pending",
    )
    assert reminder.get_absolute_url() == f"/complaints/{case.pk}/"
    assert case.customer.interactions.filter(kind="email").count() == 1


def test_a_reply_found_by_its_references_alone_lands_on_the_case(settings, smtp, case):
    email, _sent = acknowledge(settings, case)
    references = f"<older@example.com> {email.message_id}"
    assert reply(smtp, References=references, subject="Re: hello") == "filed"
    assert replies_on(case) == ["It is still cold."]


def test_a_reply_naming_only_message_ids_made_elsewhere_looks_up_no_email(
    settings, case, django_assert_num_queries
):
    settings.INBOUND_DOMAIN = "rapport.example"
    parsed = parse(
        b"From: ada@example.com\r\nTo: log@rapport.example\r\nSubject: Re: hello\r\n"
        b"References: <a@mail.example.com> <b@rapport.example.org>\r\n\r\nHi\r\n"
    )
    ContentType.objects.get_for_model(Complaint)  # cached from then on, as in a worker
    with django_assert_num_queries(0):
        found = threads.case_replied_to(
            InboundMessage(envelope_to="log@rapport.example"), parsed, case.customer
        )
    assert found is None


def test_a_reply_found_by_the_case_number_in_its_subject_lands_on_the_case(smtp, case):
    assert reply(smtp, subject=f"About case #{case.pk} again") == "filed"
    assert replies_on(case) == ["It is still cold."]


def test_another_customers_reply_never_lands_on_the_case(settings, smtp, case):
    _email, sent = acknowledge(settings, case)
    bob = CustomerFactory(email="bob@example.com")
    assert reply(smtp, sender="bob@example.com", to=sent["Reply-To"]) == "filed"
    assert replies_on(case) == []
    assert bob.interactions.count() == 1  # on Bob's own timeline


def test_a_reply_soon_after_resolution_reopens_the_case_and_a_late_one_does_not(
    settings, smtp, case
):
    settings.REOPEN_ON_REPLY_DAYS = 14
    Complaint.objects.filter(pk=case.pk).update(
        status=Complaint.Status.RESOLVED, resolved_at=timezone.now() - datetime.timedelta(days=3)
    )
    reply(smtp, subject=f"Re: case #{case.pk}")
    case.refresh_from_db()
    assert case.status == Complaint.Status.OPEN

    Complaint.objects.filter(pk=case.pk).update(
        status=Complaint.Status.CLOSED,
        resolved_at=timezone.now() - datetime.timedelta(days=30),
        closed_at=timezone.now() - datetime.timedelta(days=20),
    )
    reply(smtp, subject=f"Re: case #{case.pk} (thanks)")
    case.refresh_from_db()
    assert case.status == Complaint.Status.CLOSED
    assert len(replies_on(case)) == 2


def test_a_second_reply_after_the_first_was_dealt_with_reminds_again(smtp, case):
    reply(smtp, subject=f"Re: case #{case.pk}")
    Reminder.objects.update(state=Reminder.State.DONE, done_at=timezone.now())
    reply(smtp, subject=f"Re: case #{case.pk} once more")
    assert Reminder.objects.get().state == Reminder.State.PENDING


def test_the_assignees_next_digest_tells_of_the_reply_and_links_the_case(settings, smtp, case):
    settings.DIGEST_HOUR, settings.SITE_URL = 0, "http://127.0.0.1:8000"
    case.assignee.email = "sam@ourshop.example"
    case.assignee.save()
    reply(smtp, subject=f"Re: case #{case.pk}")

    assert schedule_digests() == 1
    assert send_queued("digest") == 1

    (digest,) = mail.outbox
    assert digest.to == ["sam@ourshop.example"]
    assert "Customer replied: Ada" in digest.body
    assert f"http://127.0.0.1:8000/complaints/{case.pk}/" in digest.body
