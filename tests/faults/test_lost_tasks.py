"""What a broker outage leaves behind, put right in-process: customer emails whose task was never
enqueued are sent by the next planning run, once; a database error is a calm 503 page.

test_service_outages.py runs the same against real processes; these pin the edges quickly.
"""

import datetime

import pytest
from django.core import mail
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from config.celery import app as celery_app
from core.middleware import service_unavailable
from interactions import tasks as interaction_tasks
from interactions.models import Complaint, ComplaintEvent
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory
from tests.voice.factories import FeedbackSubmissionFactory
from voice import tasks as voice_tasks
from voice.loyalty import schedule_recompute
from voice.models import FeedbackSubmission

Ack = FeedbackSubmission.Acknowledgement


@pytest.fixture
def eager_tasks(monkeypatch):
    # The planners' .delay() runs in this process, so the test counts what would be sent.
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def resend_after(settings):
    settings.PENDING_EMAIL_RESEND_AFTER_SECONDS = 30 * 60
    settings.PENDING_EMAIL_CATCH_UP_HOURS = 48


def ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


def complaint_opened(when, customer=None, **fields) -> Complaint:
    customer = customer or CustomerFactory(email="ada@example.com")
    return ComplaintFactory(opened_at=when, customer=customer, **fields)


def sent_to(address: str) -> list[str]:
    return [message.subject for message in mail.outbox if address in message.to]


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks", "resend_after")
def test_an_acknowledgement_that_lost_its_task_is_sent_by_the_next_planning_run_once():
    complaint = complaint_opened(ago(minutes=40))

    interaction_tasks.plan_reminders.apply()
    interaction_tasks.plan_reminders.apply()

    assert sent_to("ada@example.com") == [f"We have your complaint (case #{complaint.pk})"]
    complaint.refresh_from_db()
    assert complaint.acknowledgement_sent_at is not None


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks", "resend_after")
def test_a_resolution_notice_that_lost_its_task_is_sent_by_the_next_planning_run():
    complaint = complaint_opened(ago(days=1), acknowledgement_sent_at=ago(days=1))
    Complaint.objects.filter(pk=complaint.pk).update(
        status=Complaint.Status.RESOLVED,
        first_response_at=ago(hours=2),
        resolved_at=ago(hours=1),
        resolution_summary="Refunded in full.",
    )

    interaction_tasks.plan_reminders.apply()

    assert len(sent_to("ada@example.com")) == 1
    complaint.refresh_from_db()
    assert complaint.resolution_notice_sent_at is not None


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks", "resend_after")
@pytest.mark.parametrize(
    "case",
    [
        # Its task may still be on its way, or retrying against the mail server.
        {"opened": {"minutes": 10}},
        # History: the first run on an old database must not mail it.
        {"opened": {"days": 3}},
        {"opened": {"minutes": 40}, "email": ""},
        {"opened": {"minutes": 40}, "email_opt_out": True},
    ],
    ids=["too-recent", "too-old", "no-address", "opted-out"],
)
def test_the_planning_run_leaves_alone_what_is_not_a_lost_email(case):
    customer = CustomerFactory(
        email=case.get("email", "ada@example.com"), email_opt_out=case.get("email_opt_out", False)
    )
    complaint_opened(ago(**case["opened"]), customer=customer)

    interaction_tasks.plan_reminders.apply()

    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks", "resend_after")
def test_an_email_given_up_on_after_its_retries_is_not_sent_behind_the_persons_back():
    complaint = complaint_opened(ago(minutes=40))
    # complaint_email_failed's note: someone is now contacting the customer another way.
    ComplaintEvent.objects.create(
        complaint=complaint, kind=ComplaintEvent.Kind.EMAIL, note="Could not email ..."
    )

    interaction_tasks.plan_reminders.apply()

    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks", "resend_after")
def test_a_feedback_acknowledgement_that_lost_its_task_is_sent_by_the_survey_planner_once():
    lost = FeedbackSubmissionFactory(
        email="grace@example.com", acknowledgement=Ack.PENDING, created_at=ago(minutes=40)
    )
    FeedbackSubmissionFactory(
        email="failed@example.com", acknowledgement=Ack.FAILED, created_at=ago(minutes=40)
    )
    FeedbackSubmissionFactory(
        email="recent@example.com", acknowledgement=Ack.PENDING, created_at=ago(minutes=5)
    )

    voice_tasks.plan_surveys.apply()
    voice_tasks.plan_surveys.apply()

    assert [message.to for message in mail.outbox] == [["grace@example.com"]]
    lost.refresh_from_db()
    assert lost.acknowledgement == Ack.SENT


@pytest.mark.django_db
def test_a_broker_error_enqueueing_a_loyalty_recompute_is_logged_not_raised(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    customer = CustomerFactory()

    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(voice_tasks.recompute_loyalty, "delay", broker_down)
    # Runs robust callbacks as a commit does: a failure is logged by the callback's name.
    with django_capture_on_commit_callbacks(execute=True):
        schedule_recompute(customer.pk)

    assert f"Error calling _Recompute({customer.pk}) in on_commit()" in caplog.text


@pytest.mark.django_db
def test_the_unavailable_page_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = service_unavailable()

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "try again in a minute" in response.content.decode()


@pytest.mark.django_db
def test_a_database_error_while_loading_the_session_is_a_503_not_a_500(monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())

    def unreachable(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed")

    # The first query of a signed-in request, made inside another middleware.
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", unreachable)
    response = client.get("/customers/")

    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()


@pytest.mark.django_db
def test_other_errors_are_left_to_the_500_handler(monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())

    def broken(self, *args, **kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", broken)

    assert client.get("/customers/").status_code == 500


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks", "resend_after")
def test_an_acknowledgement_whose_worker_died_mid_send_is_reported_on_the_case_not_resent(
    settings,
):
    settings.EMAIL_ABANDONED_AFTER_SECONDS = 15 * 60
    # Claimed 20 minutes ago, and the worker died before it could record how the send went.
    abandoned = complaint_opened(ago(minutes=25), acknowledgement_sent_at=ago(minutes=20))
    # Claimed a moment ago: its worker may still be sending it.
    in_flight = complaint_opened(
        ago(minutes=5),
        customer=CustomerFactory(email="bo@example.com"),
        acknowledgement_sent_at=ago(minutes=1),
    )

    interaction_tasks.plan_reminders.apply()
    interaction_tasks.plan_reminders.apply()

    assert mail.outbox == []
    (note,) = abandoned.events.filter(kind=ComplaintEvent.Kind.EMAIL).values_list("note", flat=True)
    assert note == (
        "Could not email the acknowledgement to the customer: the worker stopped while sending "
        "it, so it may not have gone out"
    )
    assert not in_flight.events.filter(kind=ComplaintEvent.Kind.EMAIL).exists()
