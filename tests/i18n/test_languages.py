"""Whom Rapport speaks to in which language: a member of staff in the one they chose (else
their browser's) on the pages and in the emails they get; each customer in their own, in every
email and on their own pages, whoever on the staff set it off. Dates follow the language."""

import datetime

import pytest
from django.contrib.auth.signals import user_logged_in
from django.test import Client
from django.utils import timezone

from core.models import OutgoingEmail, Preferences
from interactions.digests import digests_queue
from interactions.models import Digest
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.reminder_factories import ReminderFactory

pytestmark = pytest.mark.django_db


def _speaking(language, **fields):
    user = UserFactory(**fields)
    Preferences.objects.create(user=user, language=language)
    return user


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)  # signs in through django.contrib.auth.login: user_logged_in
    return client


def test_a_spanish_speaker_opens_a_case_for_a_german_customer(settings):
    settings.SITE_URL = "https://rapport.example"
    staff = _speaking("es", username="lucia", first_name="Lucía", role="Staff")
    customer = CustomerFactory(owner=staff, email="jonas@example.de", language="de")
    client = _logged_in(staff)

    response = client.post(
        f"/customers/{customer.pk}/complaints/new/",
        {
            "summary": "Lieferung zu spät",
            "severity": "normal",
            "assignee": staff.pk,
            "channel": "phone",
        },
        follow=True,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Caso n.º" in page and "abierto" in page  # the page speaks Spanish
    assert response["Content-Language"] == "es"
    email = OutgoingEmail.objects.get(kind="complaint-acknowledgement")
    assert email.subject.startswith("Wir haben Ihre Beschwerde erhalten")  # the email German
    assert email.body_text.startswith("Guten Tag") and "Fall #" in email.body_text


def test_the_page_follows_the_browser_until_a_language_is_chosen():
    staff = UserFactory(username="sam", role="Staff")
    client = _logged_in(staff)

    browser = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    chosen = client.post("/accounts/preferences/", {"language": "es"}, follow=True)
    after = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")

    assert "Kunden" in browser.content.decode()
    assert chosen.status_code == 200
    assert "Clientes" in after.content.decode()
    assert Preferences.objects.get(user=staff).language == "es"
    # And the next login speaks it from the start.
    fresh = _logged_in(staff)
    assert "Clientes" in fresh.get("/customers/").content.decode()


def test_a_german_speakers_digest_is_german(settings):
    settings.DIGEST_HOUR = 0
    staff = _speaking("de", username="jonas", first_name="Jonas", role="Staff")
    english = UserFactory(username="sam", first_name="Sam", role="Staff")
    today = timezone.localdate()
    for person in (staff, english):
        ReminderFactory(customer=CustomerFactory(owner=person), recipient=person, due_on=today)
        Digest.objects.create(recipient=person, day=today)

    digests_queue(Digest.objects.all())

    german = OutgoingEmail.objects.get(to=staff.email)
    plain = OutgoingEmail.objects.get(to=english.email)
    assert "heute" in german.subject.lower() or "Aufgabe" in german.subject
    assert "to do today" in plain.subject


@pytest.mark.parametrize(
    ("language", "month"), [("es", "diciembre"), ("de", "Dezember"), ("en-gb", "December")]
)
def test_dates_follow_the_language(language, month):
    staff = _speaking(language, username="ana", role="Staff")
    customer = CustomerFactory(owner=staff, birthday=datetime.date(1990, 12, 3))

    page = _logged_in(staff).get(f"/customers/{customer.pk}/").content.decode()

    assert month in page


def test_a_customers_own_pages_speak_their_language(settings):
    from interactions.complaints.case_links import case_link_new
    from tests.interactions.factories import ComplaintFactory

    settings.SITE_URL = ""
    customer = CustomerFactory(language="es", email="ana@example.es")
    complaint = ComplaintFactory(customer=customer)

    response = Client().get(case_link_new(complaint), HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    assert response["Content-Language"] == "es"


def test_signing_in_speaks_the_chosen_language_from_the_first_page():
    staff = _speaking("de", username="jo", role="Staff")
    assert user_logged_in.has_listeners()

    client = _logged_in(staff)

    assert client.session["language"] == "de"
