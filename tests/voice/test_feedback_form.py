"""The public feedback form, used as a visitor would: no login, spam kept out, nothing lost."""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.utils import timezone

from config.celery import app as celery_app
from core.addresses import client_address
from core.models import OutgoingEmail
from core.outbox.delivery import emails_send
from core.outbox.tasks import send_due_emails, send_emails
from customers.models import Customer
from interactions.models import Complaint, Interaction
from tests.concurrency import at_once
from tests.factories import CustomerFactory, UserFactory
from tests.outbox import queued, send_queued
from tests.real_services import Inbox, smtp_server
from voice import services
from voice.admin import FeedbackSubmissionAdmin
from voice.models import FeedbackSubmission
from voice.services import client_hash
from voice.tasks import plan_surveys

from .factories import FeedbackSubmissionFactory

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Ada Lovelace",
    "email": "Ada.Lovelace@Example.com",
    "phone": "+44 20 7946 0000",
    "topic": "question",
    "message": "Do you service gas boilers?\nMine is ten years old.",
    "order_ref": "",
    "website": "",
}
Ack = FeedbackSubmission.Acknowledgement


@pytest.fixture
def manager(db):
    return UserFactory(username="mona", first_name="Mona", role="Manager")


@pytest.fixture
def tasks_inline(monkeypatch):
    """Enqueued tasks run at once, here, as a worker would run them."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def send(client, django_capture_on_commit_callbacks, tasks_inline):
    """Post the form; what it enqueues on commit (the acknowledgement) runs too."""

    def post(extra=None, **changes):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/feedback/", {**VALID, **changes}, **(extra or {}))

    return post


# The form -------------------------------------------------------------------------------------


def test_anyone_can_open_the_form_without_logging_in(client):
    response = client.get("/feedback/")

    assert response.status_code == 200
    content = response.content.decode()
    for name in ("name", "email", "phone", "topic", "message", "order_ref"):
        assert f'name="{name}"' in content
    # The honeypot is there for bots, out of sight and reach for people.
    assert 'name="website"' in content
    assert 'tabindex="-1"' in content and 'autocomplete="off"' in content
    assert '<div class="visually-hidden" aria-hidden="true">' in content


def test_staff_who_are_logged_in_see_the_same_form(staff_client):
    assert staff_client.get("/feedback/").status_code == 200


def test_only_get_and_post(client):
    assert client.put("/feedback/").status_code == 405


# A valid message ------------------------------------------------------------------------------


def test_a_question_from_a_new_address_becomes_a_prospect_with_feedback_on_the_timeline(
    send, manager
):
    response = send()

    assert response.status_code == 302
    assert response["Location"] == "/feedback/thanks/"
    customer = Customer.objects.get()
    assert (customer.name, customer.email, customer.phone) == (
        "Ada Lovelace",
        "ada.lovelace@example.com",
        "+44 20 7946 0000",
    )
    assert customer.status == Customer.Status.PROSPECT
    assert customer.owner is None
    interaction = Interaction.objects.get()
    assert interaction.customer == customer
    assert interaction.kind == Interaction.Kind.FEEDBACK
    assert interaction.channel == Interaction.Channel.WEB
    assert interaction.initiated_by == Interaction.Initiator.CUSTOMER
    assert interaction.author == manager
    assert interaction.summary == "A question: Do you service gas boilers?"
    assert "Mine is ten years old." in interaction.details
    assert "phone +44 20 7946 0000" in interaction.details
    submission = FeedbackSubmission.objects.get()
    assert submission.state == FeedbackSubmission.State.PROCESSED
    assert (submission.customer, submission.interaction) == (customer, interaction)
    assert submission.acknowledgement == Ack.SENT
    (ack,) = mail.outbox
    assert ack.to == ["ada.lovelace@example.com"]
    assert ack.subject == "We have your message"
    assert "Do you service gas boilers?" in ack.body
    assert "List-Unsubscribe" in ack.extra_headers


def test_a_complaint_opens_a_normal_case_and_sends_one_acknowledgement(send, manager):
    send(topic="complaint", message="The boiler still leaks.", order_ref="INV-1042")

    customer = Customer.objects.get()
    # Someone who complains, or quotes an order, has bought from us.
    assert customer.status == Customer.Status.ACTIVE
    complaint = Complaint.objects.get()
    assert complaint.customer == customer
    assert complaint.severity == Complaint.Severity.NORMAL
    assert complaint.summary == "The boiler still leaks."
    assert complaint.assignee == manager
    assert complaint.interaction.kind == Interaction.Kind.COMPLAINT
    assert complaint.interaction.channel == Interaction.Channel.WEB
    assert "Order reference: INV-1042" in complaint.interaction.details
    submission = FeedbackSubmission.objects.get()
    assert (submission.complaint, submission.interaction) == (complaint, complaint.interaction)
    assert submission.acknowledgement == Ack.BY_COMPLAINT
    # The case's own acknowledgement, with its number; not a second, generic one.
    (ack,) = mail.outbox
    assert ack.subject == f"We have your complaint (case #{complaint.pk})"


def test_a_complaint_that_opens_with_a_greeting_is_titled_by_what_went_wrong(send, manager):
    message = "Hello,\n\nThe engineer never came on Tuesday. I waited in all day.\n\nThanks"
    send(topic="complaint", message=message)

    complaint = Complaint.objects.get()
    assert complaint.summary == "The engineer never came on Tuesday."
    assert complaint.interaction.details.startswith(message)  # kept whole, as written
    (ack,) = mail.outbox
    assert "The engineer never came on Tuesday." in ack.body
    assert '"Hello,"' not in ack.body


def test_praise_is_logged_as_feedback(send, manager):
    send(topic="praise", message="Sam was brilliant.")

    assert Interaction.objects.get().summary == "Praise: Sam was brilliant."
    assert not Complaint.objects.exists()


def test_a_known_address_finds_the_customer_whatever_its_case_and_changes_nothing_on_it(
    send, staff_user
):
    customer = CustomerFactory(
        name="Ada King", email="ada.lovelace@example.com", phone="", owner=staff_user
    )

    send(email=" ADA.lovelace@EXAMPLE.com ", name="Someone Else", phone="+1 555 0100")

    assert Customer.objects.get() == customer
    customer.refresh_from_db()
    # Anyone can type any address: what they say about themselves stays off the profile.
    assert (customer.name, customer.phone) == ("Ada King", "")
    interaction = Interaction.objects.get()
    assert interaction.customer == customer
    assert interaction.author == staff_user  # the owner, who knows them
    assert "Someone Else <ada.lovelace@example.com>" in interaction.details


def test_the_thank_you_page_never_tells_whether_the_address_was_known(
    client, send, manager, staff_user
):
    CustomerFactory(email="known@example.com", owner=staff_user)

    known = send(email="known@example.com")
    unknown = send(email="unknown@example.com")

    assert known["Location"] == unknown["Location"] == "/feedback/thanks/"
    page = client.get("/feedback/thanks/")
    assert page.status_code == 200
    assert "we have your message" in page.content.decode()


# Bad input: a message next to the field, the input kept, nothing stored ---------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Tell us your name"),
        ("name", "   ", "Tell us your name"),
        ("name", "x" * 201, "at most 200 characters"),
        ("email", "", "Give us your email address"),
        ("email", "ada@", "Enter a whole email address"),
        ("email", "a" * 250 + "@example.com", "at most 254 characters"),
        ("phone", "call me maybe", "Enter a phone number"),
        ("phone", "1" * 41, "at most 40 characters"),
        ("topic", "", "Choose what it is about"),
        ("topic", "bribe", "Choose what it is about"),
        ("message", "", "Write your message here"),
        ("message", " \n ", "Write your message here"),
        ("message", "x" * 5001, "Please keep it under 5000 characters (this is 5001)"),
        ("message", "nul \x00 byte", "Null characters are not allowed"),
        ("order_ref", "x" * 101, "at most 100 characters"),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_nothing_is_stored(
    client, manager, field, value, message
):
    data = {**VALID, "order_ref": "INV-7", field: value}

    response = client.post("/feedback/", data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    content = response.content.decode()
    assert "Please correct what is marked below" in content
    # Everything else they typed is still there.
    for other in ("name", "email", "message", "order_ref"):
        if other != field:
            assert response.context["form"][other].value() == data[other]
    assert 'value="INV-7"' in content or field == "order_ref"
    assert not FeedbackSubmission.objects.exists()
    assert not Customer.objects.exists()


def test_the_message_limit_is_a_setting(client, manager, settings):
    settings.FEEDBACK_MAX_MESSAGE = 20

    response = client.post("/feedback/", {**VALID, "message": "x" * 21})

    assert "Please keep it under 20 characters" in str(response.context["form"].errors)
    assert 'maxlength="20"' in response.content.decode()


def test_what_a_visitor_typed_is_escaped_when_shown_again(client):
    response = client.post(
        "/feedback/", {**VALID, "name": "<script>alert(1)</script>", "email": "nope"}
    )

    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# Spam -----------------------------------------------------------------------------------------


def test_a_filled_honeypot_gets_the_thank_you_page_and_goes_no_further(send, manager):
    response = send(website="http://cheap-pills.example")

    assert response["Location"] == "/feedback/thanks/"
    submission = FeedbackSubmission.objects.get()
    # Kept for the record (a person whose browser filled it in is not lost), but flagged.
    assert submission.state == FeedbackSubmission.State.SPAM
    assert submission.acknowledgement == Ack.NOT_SENT
    assert not Customer.objects.exists()
    assert not Interaction.objects.exists()
    assert mail.outbox == []


def test_an_address_that_sent_five_in_the_last_hour_is_asked_to_wait(send, manager):
    now = timezone.now()
    FeedbackSubmissionFactory.create_batch(
        5,
        email="ada.lovelace@example.com",
        client_hash=client_hash("198.51.100.7"),
        created_at=now - datetime.timedelta(minutes=50),
    )

    response = send()

    assert response.status_code == 429
    content = response.content.decode()
    assert "Please try again in an hour" in content
    assert "Do you service gas boilers?" in content  # their message is still in the form
    assert FeedbackSubmission.objects.count() == 5
    assert not Customer.objects.exists()


def test_older_submissions_do_not_count_towards_the_limit(send, manager):
    FeedbackSubmissionFactory.create_batch(
        5,
        email="ada.lovelace@example.com",
        created_at=timezone.now() - datetime.timedelta(minutes=61),
    )

    assert send().status_code == 302


def test_one_client_sending_for_many_addresses_is_limited_too(send, manager, settings):
    settings.FEEDBACK_ADDRESS_RATE_LIMIT = 2
    here = {"REMOTE_ADDR": "203.0.113.5"}

    assert send(here, email="one@example.com").status_code == 302
    assert send(here, email="two@example.com").status_code == 302
    assert send(here, email="three@example.com").status_code == 429
    assert send({"REMOTE_ADDR": "203.0.113.6"}, email="four@example.com").status_code == 302


def test_a_shop_counter_sends_for_more_people_than_one_person_may_send(send, manager):
    counter = {"REMOTE_ADDR": "203.0.113.5"}
    for n in range(6):
        assert send(counter, email=f"customer{n}@example.com").status_code == 302
    for _ in range(5):
        assert send(counter, email="chatty@example.com").status_code == 302

    # One person is held to their own five, wherever they send from.
    response = send(counter, email="chatty@example.com")
    assert response.status_code == 429
    content = response.content.decode()
    assert "from this email address" in content and "please phone us" in content
    assert "reply to any email" not in content  # they may never have had one


def test_behind_a_proxy_the_address_it_saw_counts_not_what_the_client_claims(settings):
    request = RequestFactory().post(
        "/feedback/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )

    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: not forwarded as expected
    assert client_address(request) == "10.0.0.2"


def test_the_client_address_is_stored_only_as_a_keyed_hash(send, manager):
    send({"REMOTE_ADDR": "203.0.113.5"})

    stored = FeedbackSubmission.objects.get().client_hash
    assert "203.0.113.5" not in stored
    assert stored == client_hash("203.0.113.5") != client_hash("203.0.113.6")


def test_an_oversized_request_is_refused_before_it_is_read(client, manager, settings):
    settings.FEEDBACK_MAX_REQUEST_BYTES = 1000

    response = client.post("/feedback/", {**VALID, "message": "x" * 1200})

    assert response.status_code == 413
    assert "too much to send in one go" in response.content.decode()
    assert not FeedbackSubmission.objects.exists()


# Nothing is lost ------------------------------------------------------------------------------


def test_when_the_acknowledgement_cannot_be_sent_the_message_is_kept(send, manager, settings):
    settings.EMAIL_MAX_RETRIES = 2
    settings.EMAIL_RETRY_BASE_SECONDS = 0

    with smtp_server(settings, Inbox(refuse_first=10)) as inbox:
        response = send()  # the first try: the task enqueued on commit
        retried = [send_queued() for _ in range(2 + 1)]

    assert response["Location"] == "/feedback/thanks/"
    assert inbox.envelopes == []
    assert inbox.refusals_left == 10 - 3  # one try and two retries, then no more
    assert retried == [0, 0, 0]
    submission = FeedbackSubmission.objects.get()
    assert submission.message == VALID["message"]
    assert submission.state == FeedbackSubmission.State.PROCESSED
    assert Interaction.objects.get().customer.email == "ada.lovelace@example.com"
    email = OutgoingEmail.objects.get(kind="feedback-acknowledgement")
    assert (email.state, email.attempts) == (OutgoingEmail.State.FAILED, 3)
    assert email.last_error == "SMTPDataError: (451, b'4.3.0 Try again later')"
    assert submission.acknowledgement == Ack.FAILED
    assert submission.acknowledgement_error == email.last_error
    assert submission.acknowledgement_attempts == 1  # queued once; the outbox did the retries


def test_when_logging_it_fails_the_message_is_kept_for_staff_to_process_again(
    send, manager, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "interaction_log", broken)

    response = send()

    assert response["Location"] == "/feedback/thanks/"
    submission = FeedbackSubmission.objects.get()
    assert submission.state == FeedbackSubmission.State.FAILED
    assert submission.error == "RuntimeError: database hiccup"
    assert not Customer.objects.exists()  # rolled back with the rest of the processing
    # The sender still hears we have it: we do.
    assert [m.subject for m in mail.outbox] == ["We have your message"]

    monkeypatch.undo()
    FeedbackSubmissionAdmin(FeedbackSubmission, None).process_again(
        _admin_request(manager), FeedbackSubmission.objects.all()
    )

    submission.refresh_from_db()
    assert submission.state == FeedbackSubmission.State.PROCESSED
    assert submission.interaction.customer.email == "ada.lovelace@example.com"
    assert len(mail.outbox) == 1  # processing again does not acknowledge again


def test_with_no_one_to_log_it_as_the_message_is_held_and_nothing_is_created(send):
    get_user_model().objects.create(username="left", is_active=False, is_superuser=True)

    response = send()

    assert response["Location"] == "/feedback/thanks/"
    submission = FeedbackSubmission.objects.get()
    assert submission.state == FeedbackSubmission.State.HELD
    assert "No active manager" in submission.error
    assert not Customer.objects.exists()
    assert not Interaction.objects.exists()
    (ack,) = mail.outbox
    assert ack.subject == "We have your message"
    assert "List-Unsubscribe" not in ack.extra_headers  # no customer to unsubscribe yet


def test_an_opted_out_customer_gets_no_acknowledgement(send, staff_user):
    CustomerFactory(email="ada.lovelace@example.com", email_opt_out=True, owner=staff_user)

    send()

    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()
    assert FeedbackSubmission.objects.get().acknowledgement == Ack.NOT_SENT
    assert Interaction.objects.exists()


def test_the_acknowledgement_is_sent_once(manager):
    submission = FeedbackSubmissionFactory(acknowledgement=Ack.PENDING)

    assert services.feedback_acknowledgement_queue(submission.pk) is True
    assert services.feedback_acknowledgement_queue(submission.pk) is False
    (email,) = OutgoingEmail.objects.all()
    assert email.about == submission
    # The task enqueued on commit, and the same batch again (a redelivered task).
    assert emails_send([email.pk]) == 1
    assert emails_send([email.pk]) == 0

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    submission.refresh_from_db()
    assert submission.acknowledgement == Ack.SENT
    assert submission.acknowledged_at == email.sent_at is not None
    assert submission.acknowledgement_error == ""


@pytest.mark.django_db(transaction=True)
def test_two_workers_acknowledging_one_submission_at_once_send_one_email(monkeypatch):
    enqueued = []
    monkeypatch.setattr(send_emails, "delay", enqueued.append)
    submission = FeedbackSubmissionFactory(acknowledgement=Ack.PENDING)

    queued_by = at_once(lambda: services.feedback_acknowledgement_queue(submission.pk))
    # Both workers are given the batch the winner enqueued on commit.
    (batch,) = enqueued
    sent_by = at_once(lambda: emails_send(batch))

    assert sorted(queued_by) == [False, True]
    assert sorted(sent_by) == [0, 1]
    assert OutgoingEmail.objects.count() == 1
    assert len(mail.outbox) == 1
    assert FeedbackSubmission.objects.get().acknowledgement == Ack.SENT


def test_the_acknowledgement_escapes_what_they_wrote_in_html(manager):
    submission = FeedbackSubmissionFactory(
        acknowledgement=Ack.PENDING, name="Ada <b>", message="<img src=x onerror=alert(1)>"
    )

    services.feedback_acknowledgement_queue(submission.pk)
    send_queued()

    (message,) = mail.outbox
    html = message.alternatives[0].content
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Dear Ada &lt;b&gt;," in html
    assert "<img src=x onerror=alert(1)>" in message.body  # plain text stays plain


@pytest.mark.django_db(transaction=True)
def test_two_messages_from_a_new_address_at_once_make_one_customer(monkeypatch):
    monkeypatch.setattr(send_emails, "delay", lambda batch: None)  # not to the real broker
    UserFactory(username="mona", role="Manager")
    start, errors = threading.Barrier(2), []

    def submit(n):
        try:
            start.wait(timeout=10)
            submission = services.feedback_store(
                name="Ada",
                email="ada@example.com",
                topic="question",
                message=f"Question {n}",
                client_address=f"203.0.113.{n}",
            )
            services.feedback_process(submission)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Customer.objects.count() == 1
    assert Interaction.objects.filter(customer__email="ada@example.com").count() == 2
    assert set(FeedbackSubmission.objects.values_list("state", flat=True)) == {"processed"}


# Stored, then the web process or the database stopped: nothing is left behind ---------------


def _stored(**fields) -> FeedbackSubmission:
    """A submission as a request leaves it when it dies between storing and processing."""
    return FeedbackSubmissionFactory(
        email="ada.lovelace@example.com",
        state=FeedbackSubmission.State.RECEIVED,
        acknowledgement=Ack.PENDING,
        **fields,
    )


def test_a_submission_left_received_is_processed_by_the_sweep_a_minute_later_once(
    manager, tasks_inline, django_capture_on_commit_callbacks
):
    submission = _stored(topic="complaint", message="The boiler still leaks.")
    later = submission.created_at + services.STRANDED_AFTER

    with django_capture_on_commit_callbacks(execute=True):
        # The request that stored it may still be processing it.
        assert services.feedback_process_stranded(now=later) == 0
        processed = [
            services.feedback_process_stranded(now=later + datetime.timedelta(seconds=1))
            for _ in range(2)
        ]

    assert processed == [1, 0]
    submission.refresh_from_db()
    assert submission.state == FeedbackSubmission.State.PROCESSED
    complaint = Complaint.objects.get()
    assert submission.complaint == complaint
    assert complaint.customer == Customer.objects.get()
    assert submission.acknowledgement == Ack.BY_COMPLAINT
    assert [m.subject for m in mail.outbox] == [f"We have your complaint (case #{complaint.pk})"]


def test_a_question_left_received_is_acknowledged_once_the_sweep_has_processed_it(
    manager, tasks_inline, django_capture_on_commit_callbacks
):
    submission = _stored()
    later = submission.created_at + services.STRANDED_AFTER + datetime.timedelta(seconds=1)

    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_process_stranded(now=later)

    submission.refresh_from_db()
    assert submission.state == FeedbackSubmission.State.PROCESSED
    assert submission.acknowledgement == Ack.SENT
    assert [m.subject for m in mail.outbox] == ["We have your message"]


def test_an_acknowledgement_whose_task_was_lost_is_sent_once_by_the_outbox_sweep(
    client, manager, tasks_inline
):
    # Nothing enqueued on commit runs here: as when the broker was down after the request.
    client.post("/feedback/", VALID)
    assert queued("feedback-acknowledgement").count() == 1
    assert mail.outbox == []

    # Beat's sweep, twice: the second finds nothing left to send.
    assert send_due_emails.apply().get() == 1
    assert send_due_emails.apply().get() == 0

    assert [m.subject for m in mail.outbox] == ["We have your message"]
    assert FeedbackSubmission.objects.get().acknowledgement == Ack.SENT


def test_staff_can_process_a_received_submission_from_the_admin(
    manager, tasks_inline, django_capture_on_commit_callbacks
):
    _stored()

    with django_capture_on_commit_callbacks(execute=True):
        FeedbackSubmissionAdmin(FeedbackSubmission, None).process_again(
            _admin_request(manager), FeedbackSubmission.objects.all()
        )

    submission = FeedbackSubmission.objects.get()
    assert submission.state == FeedbackSubmission.State.PROCESSED
    assert submission.interaction.customer.email == "ada.lovelace@example.com"
    assert [m.subject for m in mail.outbox] == ["We have your message"]


def database_gone(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_a_database_error_after_the_message_is_stored_says_we_have_it(manager, monkeypatch):
    monkeypatch.setattr(services, "customer_by_email", database_gone)

    response = Client(raise_request_exception=False).post("/feedback/", VALID)

    assert response.status_code == 503
    content = response.content.decode()
    assert "we have your message, so you don" in content
    assert "need to send it again" in content
    assert "try again" not in content
    # Left received, not failed: the sweep processes it once the database is back.
    assert FeedbackSubmission.objects.get().state == FeedbackSubmission.State.RECEIVED


def test_a_database_error_after_processing_still_gets_the_sender_their_acknowledgement(
    manager, monkeypatch, tasks_inline
):
    with monkeypatch.context() as patched:
        patched.setattr(services, "feedback_acknowledgement_queue", database_gone)
        response = Client(raise_request_exception=False).post("/feedback/", VALID)
    assert response.status_code == 503
    # Processed and acknowledged together, or neither: the message waits for the sweep.
    submission = FeedbackSubmission.objects.get()
    assert (submission.state, submission.acknowledgement) == ("received", Ack.PENDING)

    # Every sweep beat runs, well after the database is back.
    later = submission.created_at + datetime.timedelta(hours=2)
    services.feedback_process_stranded(now=later)
    send_due_emails.apply()
    plan_surveys.apply()

    assert [m.subject for m in mail.outbox] == ["We have your message"]


def test_a_database_error_before_the_message_is_stored_says_to_send_it_again(monkeypatch):
    monkeypatch.setattr(services, "feedback_rate_limited", database_gone)

    response = Client(raise_request_exception=False).post("/feedback/", VALID)

    assert response.status_code == 503
    content = response.content.decode()
    assert "your message was not saved" in content
    assert "Please try again in a minute." in content
    assert "Nothing you have saved is lost" not in content
    assert not FeedbackSubmission.objects.exists()


def _admin_request(user):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().post("/admin/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request
