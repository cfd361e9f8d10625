"""The feedback form's "Send me news and offers by email": unticked unless ticked; a ticked one
emails the address a link to confirm (double opt-in), once; nothing is recorded until the link
is confirmed."""

import re

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core import mail
from django.test import Client, RequestFactory

from config.celery import app as celery_app
from core.models import OutgoingEmail
from customers.models import Customer
from tests.factories import CustomerFactory, UserFactory
from tests.outbox import queued
from voice import services
from voice.admin import FeedbackSubmissionAdmin
from voice.models import FeedbackSubmission

from .factories import FeedbackSubmissionFactory

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Ada Lovelace",
    "email": "Ada.Lovelace@Example.com",
    "phone": "",
    "topic": "question",
    "message": "Do you service gas boilers?",
    "order_ref": "",
    "website": "",
}
KIND = "marketing-consent"


@pytest.fixture
def manager(db):
    return UserFactory(username="mona", first_name="Mona", role="Manager")


@pytest.fixture
def send(client, django_capture_on_commit_callbacks, monkeypatch):
    """Post the form; what it enqueues on commit (the emails) is sent too."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)

    def post(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/feedback/", {**VALID, **changes})

    return post


def _consent_emails():
    return [message for message in mail.outbox if "news and offers" in message.subject]


def _link(message) -> str:
    return re.search(r"https?://\S+(/consent/[^/\s]+/)", message.body).group(1)


def test_the_form_offers_news_unticked(client):
    content = client.get("/feedback/").content.decode()

    assert "Send me news and offers by email" in content
    box = re.search(r'<input[^>]*name="wants_news"[^>]*>', content).group(0)
    assert 'type="checkbox"' in box
    assert "checked" not in box


def test_without_the_box_no_confirmation_is_sent(send, manager):
    send()

    assert FeedbackSubmission.objects.get().wants_news is False
    assert _consent_emails() == []
    assert len(mail.outbox) == 1  # the acknowledgement


def test_a_ticked_box_emails_a_link_and_records_nothing_yet(send, manager):
    assert send(wants_news="on").status_code == 302

    customer = Customer.objects.get()
    assert customer.marketing_consent_at is None
    submission = FeedbackSubmission.objects.get()
    assert submission.wants_news is True and submission.news_confirmation_at is not None
    (confirmation,) = _consent_emails()
    assert confirmation.to == ["ada.lovelace@example.com"]
    assert confirmation.subject == "Please confirm: news and offers by email"
    assert "/consent/" in confirmation.body and "works for 30 days" in confirmation.body
    assert "List-Unsubscribe" in confirmation.extra_headers
    # The link signs them up: the outbox forgets it once sent.
    email = OutgoingEmail.objects.get(kind=KIND)
    assert email.secret and email.body_text == ""


def test_the_emailed_link_confirms_consent(send, manager):
    send(wants_news="on")
    (confirmation,) = _consent_emails()
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(_link(confirmation))
    assert page.status_code == 200
    assert "Send you news and offers?" in page.content.decode()
    assert Customer.objects.get().marketing_consent_at is None

    done = browser.post(
        _link(confirmation), {"csrfmiddlewaretoken": str(page.context["csrf_token"])}
    )

    assert "You are signed up" in done.content.decode()
    customer = Customer.objects.get()
    assert customer.marketing_consent_source == Customer.ConsentSource.DOUBLE_OPT_IN
    assert customer.has_marketing_consent


def test_a_complaint_with_the_box_ticked_asks_too(send, manager):
    send(wants_news="on", topic="complaint", message="The boiler leaks.")

    assert len(_consent_emails()) == 1


def test_a_known_customer_is_asked_at_their_address(send, staff_user):
    CustomerFactory(name="Ada King", email="ada.lovelace@example.com", owner=staff_user)

    send(wants_news="on", name="Someone Else")

    (confirmation,) = _consent_emails()
    assert "Dear Ada King," in confirmation.body  # the customer we know, not the name typed


def test_a_customer_who_agreed_already_is_not_asked_again(send, staff_user):
    CustomerFactory(
        email="ada.lovelace@example.com",
        owner=staff_user,
        marketing_consent_at="2026-03-03T10:00Z",
        marketing_consent_source=Customer.ConsentSource.PROFILE,
    )

    send(wants_news="on")

    assert _consent_emails() == []


def test_a_customer_who_opted_out_of_email_is_not_written_to(send, staff_user):
    customer = CustomerFactory(
        email="ada.lovelace@example.com", owner=staff_user, email_opt_out=True
    )

    send(wants_news="on")

    assert mail.outbox == []
    customer.refresh_from_db()
    assert customer.marketing_consent_at is None and customer.email_opt_out is True


def test_a_bot_that_ticks_everything_gets_nothing(send, manager):
    send(wants_news="on", website="http://spam.example")

    assert FeedbackSubmission.objects.get().state == FeedbackSubmission.State.SPAM
    assert mail.outbox == []
    assert not Customer.objects.exists()


def test_processing_a_processed_submission_again_asks_no_more(send, manager):
    send(wants_news="on")
    submission = FeedbackSubmission.objects.get()
    FeedbackSubmission.objects.filter(pk=submission.pk).update(
        state=FeedbackSubmission.State.FAILED
    )

    FeedbackSubmissionAdmin(FeedbackSubmission, None).process_again(
        _admin_request(manager), FeedbackSubmission.objects.all()
    )

    assert OutgoingEmail.objects.filter(kind=KIND).count() == 1


def test_a_submission_whose_processing_failed_asks_once_processed_again(send, manager, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "interaction_log", broken)
    send(wants_news="on")
    submission = FeedbackSubmission.objects.get()
    assert submission.state == FeedbackSubmission.State.FAILED
    assert submission.news_confirmation_at is None  # rolled back with the processing
    assert not OutgoingEmail.objects.filter(kind=KIND).exists()

    monkeypatch.undo()
    FeedbackSubmissionAdmin(FeedbackSubmission, None).process_again(
        _admin_request(manager), FeedbackSubmission.objects.all()
    )

    assert OutgoingEmail.objects.filter(kind=KIND).count() == 1


def test_the_confirmation_is_claimed_once(manager):
    customer = CustomerFactory(email="ada@example.com")
    submission = FeedbackSubmissionFactory(
        email="ada@example.com", customer=customer, wants_news=True
    )

    assert services.feedback_news_confirmation_queue(submission) is True
    assert services.feedback_news_confirmation_queue(submission) is False

    assert queued(KIND).count() == 1


def test_a_held_submission_asks_once_it_is_processed(send):
    send(wants_news="on")  # no manager, no owner: held, no customer yet
    submission = FeedbackSubmission.objects.get()
    assert submission.state == FeedbackSubmission.State.HELD
    assert submission.news_confirmation_at is None
    assert queued(KIND).count() == 0

    UserFactory(username="mona", role="Manager")
    services.feedback_process(submission)

    assert queued(KIND).count() == 1


def test_the_checkbox_takes_only_a_tick(send, manager):
    send(wants_news="false")

    assert FeedbackSubmission.objects.get().wants_news is False


def _admin_request(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request
