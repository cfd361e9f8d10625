"""An email a member of staff forwards to the log address is the original sender's: it goes on
their timeline, never on a customer made of the forwarder."""

from email.message import EmailMessage

import pytest

from inbound.models import InboundMessage
from inbound.parsing import parse
from interactions.models import Interaction
from tests.factories import CustomerFactory, UserFactory

from .test_smtp_receiver import an_email, process_all, send, smtp  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

GMAIL = """FYI, she called about this too.

---------- Forwarded message ---------
From: Ada Lovelace <Ada@Example.com>
Date: Mon, 7 Dec 2026 09:15:00 +0000
Subject: The boiler again
To: Sam Staff <sam@ourshop.example>

The engineer left it leaking, and it is worse today.

Ada
"""

OUTLOOK_DE = """Bitte anrufen.

________________________________
Von: Ada Lovelace <ada@example.com>
Gesendet: Montag, 7. Dezember 2026 09:15
An: Sam Staff <sam@ourshop.example>
Betreff: Heizung

Die Heizung tropft wieder.
"""


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", email="sam@ourshop.example", first_name="Sam")


def test_an_inline_forward_by_staff_is_filed_under_the_original_sender(smtp, sam):  # noqa: F811
    ada = CustomerFactory(email="ada@example.com")
    send(smtp, an_email(sender="Sam <SAM@ourshop.example>", subject="Fwd: The boiler", body=GMAIL))

    assert process_all() == ["filed"]
    interaction = Interaction.objects.get()
    assert interaction.customer == ada
    assert (interaction.initiated_by, interaction.author) == ("customer", sam)
    assert interaction.summary == "The boiler again"
    assert interaction.details.startswith("The engineer left it leaking, and it is worse today.")
    assert "FYI" not in interaction.details and "Forwarded message" not in interaction.details
    assert interaction.occurred_at.isoformat().startswith("2026-12-07T09:15")
    assert InboundMessage.objects.get().from_address == "ada@example.com"


def test_an_outlook_forward_in_german_is_filed_under_the_original_sender(smtp, sam):  # noqa: F811
    ada = CustomerFactory(email="ada@example.com")
    send(smtp, an_email(sender="sam@ourshop.example", subject="WG: Heizung", body=OUTLOOK_DE))

    assert process_all() == ["filed"]
    interaction = Interaction.objects.get(customer=ada)
    assert (interaction.summary, interaction.details) == ("Heizung", "Die Heizung tropft wieder.")


def test_a_forward_as_an_attachment_is_filed_under_the_original_sender(smtp, sam):  # noqa: F811
    ada = CustomerFactory(email="ada@example.com")
    original = an_email(sender="Ada <ada@example.com>", subject="Invoice query", body="Why £40?")
    forward = EmailMessage()
    forward["From"], forward["To"], forward["Subject"] = sam.email, "log@x", "Fwd: Invoice query"
    forward.set_content("See attached.")
    forward.add_attachment(original)

    send(smtp, forward)

    assert process_all() == ["filed"]
    interaction = Interaction.objects.get()
    assert (interaction.customer, interaction.summary) == (ada, "Invoice query")
    assert interaction.details.startswith("Why £40?")


def test_a_forward_from_someone_unknown_waits_and_creates_them_not_the_forwarder(
    smtp,  # noqa: F811
    sam,
    staff_client,
):
    send(smtp, an_email(sender=sam.email, subject="Fwd: The boiler", body=GMAIL))
    assert process_all() == ["unmatched"]
    message = InboundMessage.objects.get()
    assert (message.from_address, message.from_name) == ("ada@example.com", "Ada Lovelace")

    staff_client.post(f"/inbox/{message.pk}/create-customer/")

    interaction = Interaction.objects.get()
    assert interaction.customer.email == "ada@example.com"
    assert interaction.customer.name == "Ada Lovelace"
    assert interaction.summary == "The boiler again"


def test_a_customer_forwarding_someone_elses_email_is_filed_under_the_customer(
    smtp,  # noqa: F811
):
    bo = CustomerFactory(email="bo@example.com")
    body = GMAIL.replace("Ada@Example.com", "neighbour@example.org")
    send(smtp, an_email(sender="bo@example.com", subject="Fwd: The boiler", body=body))

    assert process_all() == ["filed"]
    assert Interaction.objects.get().customer == bo


def test_a_reply_that_quotes_a_from_line_is_not_a_forward():
    raw = (
        b"From: ada@example.com\r\nSubject: Re: Table\r\n\r\nYes please.\r\n\r\n"
        b"From: Sam <sam@ourshop.example>\r\nSent: Monday\r\nSubject: Table\r\n\r\nFriday?\r\n"
    )

    parsed = parse(raw)

    assert parsed.forwarded is None and parsed.sender == "ada@example.com"
