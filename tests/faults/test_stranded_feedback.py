"""A feedback submission whose processing lost its database connection: stored, then killed.

The connection is terminated by PostgreSQL itself (pg_terminate_backend from another
connection) in the middle of processing, as a restart or a failover would; the sweep then runs
twice at once, each in a thread with its own connection, and the customer gets one email
through a real SMTP server.
"""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.db.models import F
from django.test import Client

from config.celery import app as celery_app
from customers.models import Customer
from interactions.models import Complaint
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.real_services import Inbox, smtp_server
from voice import services, tasks
from voice.models import FeedbackSubmission

pytestmark = pytest.mark.django_db(transaction=True)

COMPLAINT = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "topic": "complaint",
    "message": "The boiler still leaks.",
}


def terminate_this_backend() -> None:
    """End this thread's PostgreSQL session from another connection, as an administrator or
    a database restart would."""
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()


def sweep_at_once(runs: int) -> list[int]:
    """Run the beat task in ``runs`` threads started together, each on its own connection."""
    return sorted(at_once(lambda: tasks.process_stranded_feedback.apply().get(), times=runs))


def test_a_complaint_whose_processing_lost_its_connection_is_processed_by_the_sweep_once(
    monkeypatch, settings
):
    UserFactory(username="mona", role="Manager")
    # The sweep's enqueues run in its own thread, as a worker would run them.
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    complaint_open = services.complaint_open

    def killed_midway(**kwargs):
        terminate_this_backend()
        return complaint_open(**kwargs)

    with smtp_server(settings, Inbox()) as inbox:
        with monkeypatch.context() as patched:
            patched.setattr(services, "complaint_open", killed_midway)
            response = Client(raise_request_exception=False).post("/feedback/", COMPLAINT)

        # The visitor is told we have it, so they do not send it twice.
        assert response.status_code == 503
        assert "we have your message" in response.content.decode()
        submission = FeedbackSubmission.objects.get()
        assert submission.state == FeedbackSubmission.State.RECEIVED
        assert not Customer.objects.exists()
        assert not Complaint.objects.exists()

        # Too recent: the request that stored it could still be processing it.
        assert sweep_at_once(1) == [0]
        FeedbackSubmission.objects.update(
            created_at=F("created_at") - services.STRANDED_AFTER - datetime.timedelta(seconds=1)
        )

        # Slow enough that the two sweeps overlap: the second finds the row locked.
        process = services._process

        def slow_process(submission):
            threading.Event().wait(0.5)
            process(submission)

        monkeypatch.setattr(services, "_process", slow_process)
        assert sweep_at_once(2) == [0, 1]
        assert sweep_at_once(2) == [0, 0]

        submission.refresh_from_db()
        assert submission.state == FeedbackSubmission.State.PROCESSED
        complaint = Complaint.objects.get()
        assert (submission.complaint, submission.customer) == (complaint, Customer.objects.get())
        assert complaint.acknowledgement_sent_at is not None
        (email,) = inbox.messages_to("ada@example.com")
        assert email["Subject"] == f"We have your complaint (case #{complaint.pk})"
