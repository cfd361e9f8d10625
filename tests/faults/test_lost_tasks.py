"""What a broker outage leaves behind, put right in-process: an email whose task was never
enqueued is sent by the outbox's sweep (beat's send_due_emails), once; what is not a lost email
is left alone; a database error is a calm 503 page.

test_service_outages.py runs the same against real processes; these pin the edges quickly.
"""

import contextlib
import datetime
import smtplib

import pytest
from celery.app.task import Task
from django.core import mail
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from config.celery import app as celery_app
from core.middleware import service_unavailable
from core.models import OutgoingEmail
from core.outbox.delivery import ABANDONED_ERROR
from core.outbox.tasks import send_due_emails
from interactions.complaints.services import complaint_open, complaint_transition
from interactions.models import Complaint, ComplaintEvent
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory
from tests.outbox import queued
from tests.voice.factories import FeedbackSubmissionFactory
from voice import tasks as voice_tasks
from voice.models import FeedbackSubmission
from voice.rescoring import schedule_recompute
from voice.services import feedback_acknowledgement_queue

Ack = FeedbackSubmission.Acknowledgement
State = OutgoingEmail.State
REFUSED = "Error 111 connecting to 127.0.0.1:6379. Connection refused."


@pytest.fixture
def eager_tasks(monkeypatch):
    # What the sweep enqueues runs in this process, so the test counts what would be sent.
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def broker_outage(monkeypatch, django_capture_on_commit_callbacks):
    """A block during which every publish fails, as with Redis stopped; what it commits runs
    its on-commit callbacks at the end, still in the outage."""

    def refused(*args, **kwargs):
        raise BrokerError(REFUSED)

    @contextlib.contextmanager
    def outage():
        with monkeypatch.context() as patched, django_capture_on_commit_callbacks(execute=True):
            patched.setattr(Task, "apply_async", refused)
            yield

    return outage


@pytest.fixture
def mail_server_refusing(monkeypatch):
    """A block during which the mail server answers every message with ``reply``."""

    @contextlib.contextmanager
    def refusing(code: int, reply: bytes):
        def refuse(self, messages):
            raise smtplib.SMTPDataError(code, reply)

        with monkeypatch.context() as patched:
            patched.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
            yield

    return refusing


def ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


def sweep() -> int:
    """One run of beat's outbox sweep; returns how many emails it found due."""
    return send_due_emails.apply().get()


def complaint_opened(customer=None) -> Complaint:
    customer = customer or CustomerFactory(email="ada@example.com")
    return complaint_open(
        customer=customer,
        summary="Parcel arrived crushed",
        severity=Complaint.Severity.NORMAL,
        opened_by=customer.owner,
    )


def acknowledgement_of(complaint: Complaint) -> OutgoingEmail:
    return OutgoingEmail.objects.get(kind="complaint-acknowledgement", about_id=complaint.pk)


def sent_to(address: str) -> list[str]:
    return [message.subject for message in mail.outbox if address in message.to]


def email_notes(complaint: Complaint) -> list[str]:
    events = complaint.events.filter(kind=ComplaintEvent.Kind.EMAIL).order_by("pk")
    return list(events.values_list("note", flat=True))


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_an_acknowledgement_that_lost_its_task_is_sent_by_the_sweep_once(broker_outage, caplog):
    with broker_outage():
        complaint = complaint_opened()

    # Saved, the publish's error logged for the record, and nothing sent yet.
    assert REFUSED in caplog.text
    assert mail.outbox == []
    assert [sweep(), sweep()] == [1, 0]

    assert sent_to("ada@example.com") == [f"We have your complaint (case #{complaint.pk})"]
    complaint.refresh_from_db()
    assert complaint.acknowledgement_sent_at is not None
    assert email_notes(complaint) == ["Acknowledgement sent"]


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_a_resolution_notice_that_lost_its_task_is_sent_by_the_sweep_once(broker_outage):
    complaint = ComplaintFactory(
        customer=CustomerFactory(email="ada@example.com"), acknowledgement_sent_at=ago(days=1)
    )
    with broker_outage():
        complaint_transition(
            complaint,
            to_status=Complaint.Status.RESOLVED,
            actor=complaint.assignee,
            resolution_summary="Refunded in full.",
        )

    assert [sweep(), sweep()] == [1, 0]

    assert sent_to("ada@example.com") == [f"Your complaint is resolved (case #{complaint.pk})"]
    complaint.refresh_from_db()
    assert complaint.resolution_notice_sent_at is not None


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
@pytest.mark.parametrize(
    "row",
    [
        # Refused for now by the mail server: it waits out its backoff.
        {"attempts": 1, "send_after": timezone.now() + datetime.timedelta(minutes=5)},
        # Sent already. (One claimed a moment ago: see the worker that died mid-send.)
        {"state": State.SENT, "attempts": 1, "sent_at": ago(minutes=1)},
    ],
    ids=["backing-off", "sent"],
)
def test_the_sweep_leaves_alone_an_email_that_is_not_lost(broker_outage, row):
    with broker_outage():
        complaint = complaint_opened()
    OutgoingEmail.objects.update(**row)

    assert sweep() == 0

    assert mail.outbox == []
    assert acknowledgement_of(complaint).state == row.get("state", State.QUEUED)


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
@pytest.mark.parametrize(
    "customer", [{"email": ""}, {"email_opt_out": True}], ids=["no-address", "opted-out"]
)
def test_the_sweep_mails_no_one_who_takes_no_email(broker_outage, customer):
    with broker_outage():
        complaint_opened(CustomerFactory(**customer))

    assert not OutgoingEmail.objects.exists()
    assert sweep() == 0
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_the_first_sweep_on_an_old_database_mails_no_case_from_before_the_outbox():
    # History: never acknowledged, and never queued, so not an email the sweep could lose.
    ComplaintFactory(customer=CustomerFactory(email="ada@example.com"), opened_at=ago(days=3))

    assert sweep() == 0
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_an_email_given_up_on_after_its_retries_is_not_sent_behind_the_persons_back(
    broker_outage, mail_server_refusing, settings
):
    settings.EMAIL_MAX_RETRIES = 2
    settings.EMAIL_RETRY_BASE_SECONDS = 0  # each retry due at the next sweep
    with broker_outage():
        complaint = complaint_opened()

    with mail_server_refusing(451, b"4.3.0 Try again later"):
        assert [sweep(), sweep(), sweep()] == [1, 1, 1]
    # The note tells whoever works the case to reach the customer another way.
    (note,) = email_notes(complaint)
    assert note.startswith("Could not email the acknowledgement to the customer: SMTPDataError")
    assert "Try again later" in note

    # The server takes mail again; a sweep must not cross with the person contacting them.
    assert [sweep(), sweep()] == [0, 0]

    assert mail.outbox == []
    assert acknowledgement_of(complaint).state == State.FAILED
    assert len(email_notes(complaint)) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_a_feedback_acknowledgement_that_lost_its_task_is_sent_by_the_sweep_once(
    broker_outage, mail_server_refusing
):
    given_up = FeedbackSubmissionFactory(email="failed@example.com", acknowledgement=Ack.PENDING)
    with broker_outage():
        feedback_acknowledgement_queue(given_up.pk)
    with mail_server_refusing(550, b"5.1.1 No such mailbox"):
        assert sweep() == 1
    lost = FeedbackSubmissionFactory(email="grace@example.com", acknowledgement=Ack.PENDING)
    with broker_outage():
        feedback_acknowledgement_queue(lost.pk)
    assert list(queued("feedback-acknowledgement").values_list("to", flat=True)) == [
        "grace@example.com"
    ]

    assert [sweep(), sweep()] == [1, 0]

    assert [message.to for message in mail.outbox] == [["grace@example.com"]]
    lost.refresh_from_db()
    assert lost.acknowledgement == Ack.SENT
    given_up.refresh_from_db()
    assert given_up.acknowledgement == Ack.FAILED


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
@pytest.mark.usefixtures("eager_tasks")
def test_an_acknowledgement_whose_worker_died_mid_send_is_reported_on_the_case_not_resent(
    broker_outage, settings
):
    settings.EMAIL_ABANDONED_AFTER_SECONDS = 15 * 60
    with broker_outage():
        abandoned = complaint_opened()
        in_flight = complaint_opened(CustomerFactory(email="bo@example.com"))
    claimed = OutgoingEmail.objects.filter(state=State.QUEUED)
    # Claimed 20 minutes ago, and the worker died before it could record how the send went.
    claimed.filter(about_id=abandoned.pk).update(
        state=State.SENDING, attempts=1, claimed_at=ago(minutes=20)
    )
    # Claimed a moment ago: its worker may still be sending it.
    claimed.filter(about_id=in_flight.pk).update(
        state=State.SENDING, attempts=1, claimed_at=ago(minutes=1)
    )

    assert [sweep(), sweep()] == [0, 0]

    assert mail.outbox == []
    assert acknowledgement_of(abandoned).state == State.UNCERTAIN
    assert email_notes(abandoned) == [
        f"The acknowledgement may not have reached the customer: {ABANDONED_ERROR}"
    ]
    assert acknowledgement_of(in_flight).state == State.SENDING
    assert email_notes(in_flight) == []
