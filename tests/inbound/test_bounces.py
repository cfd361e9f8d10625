"""A delivery report for an email we sent marks the customer's address as bouncing: the profile
says so, no more email goes to it, and changing the address tries it again."""

import pytest

from core.models import OutgoingEmail
from customers.emails import customer_email
from customers.models import Customer
from customers.services import customer_update
from inbound import processing
from inbound.models import InboundMessage
from inbound.storing import message_store
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def report(recipient="Ada@Example.com", action="failed", number=1):
    return (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: rapport@localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce{number}@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n"
        f"\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: 5.1.1\r\n\r\n"
        "--B--\r\n"
    ).encode()


def process(raw):
    message, _created = message_store(raw, source="smtp")
    state = processing.message_process(message.pk)
    message.refresh_from_db()
    return state, message


def sent_to(address):
    OutgoingEmail.objects.create(kind="survey", to=address, subject="How did we do?", body_text=".")


def test_a_bounce_of_our_email_marks_the_address_and_stops_email(client, staff_client):
    ada = CustomerFactory(email="ada@example.com")
    sent_to("ada@example.com")
    state, message = process(report())
    assert state == "ignored"
    assert message.reason == "a delivery report; marked as bouncing: ada@example.com"
    ada.refresh_from_db()
    assert ada.email_bouncing_since is not None
    assert customer_email("survey", ada, {}, about=ada) is None
    page = staff_client.get(ada.get_absolute_url()).content.decode()
    assert "Email bouncing since" in page


def test_a_bounce_for_an_address_we_never_wrote_to_marks_nothing():
    ada = CustomerFactory(email="ada@example.com")
    process(report())
    ada.refresh_from_db()
    assert ada.email_bouncing_since is None


def test_a_delayed_delivery_is_not_a_bounce():
    ada = CustomerFactory(email="ada@example.com")
    sent_to("ada@example.com")
    process(report(action="delayed"))
    ada.refresh_from_db()
    assert ada.email_bouncing_since is None


def test_changing_the_address_tries_it_again_and_keeping_it_does_not():
    ada = CustomerFactory(email="ada@example.com")
    sent_to("ada@example.com")
    process(report())
    ada = Customer.objects.get(pk=ada.pk)
    customer_update(ada, company="Engines Ltd")
    assert Customer.objects.get(pk=ada.pk).email_bouncing_since is not None
    customer_update(ada, email="ADA@example.com ")
    assert Customer.objects.get(pk=ada.pk).email_bouncing_since is not None  # the same address
    customer_update(ada, email="ada@engines.example")
    assert Customer.objects.get(pk=ada.pk).email_bouncing_since is None


def test_a_report_is_stored_once_however_often_it_comes():
    CustomerFactory(email="ada@example.com")
    sent_to("ada@example.com")
    process(report())
    process(report())
    assert InboundMessage.objects.count() == 1
