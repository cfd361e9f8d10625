"""A complaint followed from the public form to an updated loyalty score, through a real
Celery worker on Redis and a real SMTP server."""

import datetime
import re
import time
from urllib.parse import urlsplit

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from config.celery import app as celery_app
from core.models import OutgoingEmail
from core.tokens import token_hash
from customers.models import Customer
from interactions.complaints.services import complaint_transition, complaint_update
from interactions.models import Complaint
from tests.factories import UserFactory
from tests.real_services import Inbox, private_queue, smtp_server
from voice.models import FeedbackSubmission, Survey
from voice.surveys import plan_surveys


@pytest.fixture
def inbox(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    with smtp_server(settings, Inbox()) as handler:
        yield handler


@pytest.fixture
def worker(inbox, monkeypatch):
    """A worker on a queue of this test's own, so nothing another test left in Redis runs."""
    with (
        private_queue(monkeypatch) as queue,
        start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20, queues=[queue]
        ),
    ):
        yield


def _eventually(read, expected, timeout=20.0):
    deadline = time.monotonic() + timeout
    while (value := read()) != expected:
        assert time.monotonic() < deadline, f"still {value!r}, waited for {expected!r}"
        time.sleep(0.1)


def _post_form(client, path, data):
    """A browser's round trip: load the page (and its CSRF cookie), then submit."""
    assert client.get(path).status_code == 200
    return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def _part(message, subtype):
    # Over the wire lines end in CRLF; compare with what the templates wrote.
    return message.get_body((subtype,)).get_content().replace("\r\n", "\n")


def _loyalty(customer_id):
    return Customer.objects.filter(pk=customer_id).values_list("loyalty_score", flat=True)[0]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_complaint_from_the_form_to_a_survey_answer_and_a_better_loyalty_score(
    inbox, worker, settings
):
    settings.SURVEY_DAYS_AFTER_RESOLUTION = 3
    # A transactional test starts from an empty database: make the role groups again.
    for name in ("Staff", "Manager"):
        Group.objects.get_or_create(name=name)
    manager = UserFactory(username="mona", first_name="Mona", role="Manager")
    visitor = Client(enforce_csrf_checks=True)

    # The public form -----------------------------------------------------------------------
    response = _post_form(
        visitor,
        "/feedback/",
        {
            "name": "Ada Lovelace",
            "email": "Ada@Example.com",
            "topic": "complaint",
            "message": "The engineer left the boiler leaking.",
            "order_ref": "INV-1042",
            "website": "",
        },
    )
    assert response.status_code == 302
    assert visitor.get(response["Location"]).status_code == 200

    submission = FeedbackSubmission.objects.get()
    customer = submission.customer
    complaint = Complaint.objects.get(customer=customer)
    assert customer.email == "ada@example.com"
    assert complaint.severity == "normal"

    (ack,) = inbox.wait_for("ada@example.com", 1)
    assert ack["Subject"] == f"We have your complaint (case #{complaint.pk})"
    assert "The engineer left the boiler leaking." in _part(ack, "plain")

    # The worker worked out a first score: satisfaction 30 (the complaint fell short),
    # initiative 100 (they got in touch), resistance 30 (a complaint open):
    # (30 x 30 + 15 x 100 + 15 x 30) / 60 = 47.5 -> 48
    _eventually(lambda: _loyalty(customer.pk), 48)

    # Put right, with a remedy they accepted --------------------------------------------------
    complaint_update(complaint, actor=manager, remedy="repair", remedy_accepted=True)
    complaint_transition(
        complaint, to_status="resolved", actor=manager, resolution_summary="Repaired the valve."
    )
    notice = inbox.wait_for("ada@example.com", 2)[1]
    assert notice["Subject"] == f"Your complaint is resolved (case #{complaint.pk})"

    # Three days later the planner asks how it went -------------------------------------------
    later = timezone.now() + datetime.timedelta(days=3, minutes=1)
    assert plan_surveys(now=later) == 1
    invitation = inbox.wait_for("ada@example.com", 3)[2]
    assert invitation["Subject"] == "How did we do putting things right?"
    text = _part(invitation, "plain")
    assert 'We recently resolved your complaint "The engineer left the boiler leaking."' in text
    link = re.search(r"(http://127\.0\.0\.1:8000/survey/\S+/)", text).group(1)
    assert f'href="{link}"' in _part(invitation, "html")
    assert invitation["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/unsub")
    survey = Survey.objects.get()
    raw_token = urlsplit(link).path.split("/")[2].split(".")[0]
    assert survey.token_hash == token_hash(raw_token)
    assert survey.state == Survey.State.SENT

    # The customer answers --------------------------------------------------------------------
    response = _post_form(
        Client(enforce_csrf_checks=True),
        urlsplit(link).path,
        {
            "satisfaction": "5",
            "recommend": "9",
            "unmet_want": "Weekend appointments",
            "considered_switching": "no",
            "comment": "Fixed in a day. Thank you.",
        },
    )
    assert response.status_code == 200
    assert "Thank you for your answers" in response.content.decode()

    # Satisfaction 80 (a 5, and the complaint that fell short), initiative 50 (1 of 2 contacts),
    # advocacy 90, resistance 100 (said no; +10 for the repair they accepted, held at 100):
    # (30 x 80 + 15 x 50 + 20 x 90 + 15 x 100) / 80 = 80.6 -> 81
    _eventually(lambda: _loyalty(customer.pk), 81)
    customer.refresh_from_db()
    assert customer.loyalty_factors["advocacy"]["reason"] == "Would recommend us 9 out of 10."
    assert customer.loyalty_factors["initiative"]["reason"] == (
        "Started 1 of 2 contacts this year."
    )
    assert customer.unmet_wants.startswith("Weekend appointments (survey, ")

    # Staff see it on the profile; the link is spent -------------------------------------------
    staff = Client()
    staff.force_login(manager)
    profile = staff.get(f"/customers/{customer.pk}/").content.decode()
    assert '<span class="fs-4 fw-semibold">81</span>' in profile
    assert "Would recommend us 9 out of 10." in profile
    assert Client().get(urlsplit(link).path).status_code == 410
    assert len(inbox.messages_to("ada@example.com")) == 3
    # Each went through the outbox once; the survey's link is not kept there once it went.
    assert sorted(OutgoingEmail.objects.values_list("kind", "state")) == [
        ("complaint-acknowledgement", "sent"),
        ("complaint-resolution", "sent"),
        ("survey", "sent"),
    ]
    assert OutgoingEmail.objects.get(kind="survey").body_text == ""
