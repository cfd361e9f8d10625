"""Surveys: who is asked and when, and the email with its link, sent once."""

import datetime
import hashlib
import re

import pytest
from django.core import mail
from django.utils import timezone

from config.celery import app as celery_app
from core.models import OutgoingEmail
from core.outbox.delivery import emails_send
from core.outbox.tasks import send_emails
from customers.models import Customer
from interactions.models import Complaint
from tests.concurrency import at_once
from tests.factories import CustomerFactory
from tests.interactions.factories import ComplaintFactory
from tests.outbox import queued, send_queued
from tests.real_services import Inbox, free_port, smtp_server, use_smtp
from voice import surveys
from voice.models import Survey
from voice.surveys import months_before, plan_surveys, survey_create, surveys_queue

from .factories import SurveyFactory

pytestmark = pytest.mark.django_db

D = datetime.timedelta(days=1)


def _days_ago(days):
    return timezone.now() - days * D


def _resolved_complaint(customer, days_ago, **fields):
    resolved_at = _days_ago(days_ago)
    return ComplaintFactory(
        customer=customer,
        status=fields.pop("status", Complaint.Status.RESOLVED),
        opened_at=resolved_at - 2 * D,
        first_response_at=resolved_at - D,
        resolved_at=resolved_at,
        resolution_summary="Replaced it.",
        **fields,
    )


def _new_customer(**fields):
    """A customer too new for a periodic survey, so only what the test adds asks them."""
    return CustomerFactory(customer_since=timezone.localdate() - 30 * D, **fields)


def _planned():
    return sorted(
        Survey.objects.values_list("customer__name", "reason", "complaint__summary"),
        key=str,
    )


# After a complaint ----------------------------------------------------------------------------


def test_a_complaint_resolved_the_configured_days_ago_gets_its_survey(settings):
    settings.SURVEY_DAYS_AFTER_RESOLUTION = 3
    _resolved_complaint(_new_customer(name="Due"), 3.1, summary="Leak")
    _resolved_complaint(_new_customer(name="Not yet"), 2.9, summary="Dent")
    _resolved_complaint(_new_customer(name="Closed"), 4, summary="Noise", status="closed")

    assert plan_surveys() == 2

    assert _planned() == [
        ("Closed", "after_complaint", "Noise"),
        ("Due", "after_complaint", "Leak"),
    ]


def test_no_survey_for_a_reopened_case_or_for_customers_who_take_no_email():
    _resolved_complaint(_new_customer(name="Reopened"), 5, status=Complaint.Status.OPEN)
    _resolved_complaint(_new_customer(name="Opted out", email_opt_out=True), 5)
    _resolved_complaint(_new_customer(name="No email", email=""), 5)
    _resolved_complaint(_new_customer(name="Archived", archived_at=timezone.now()), 5)

    assert plan_surveys() == 0


def test_complaints_resolved_long_ago_are_history_not_news(settings):
    # Delay 3 + gap 30 + catch-up 7: anything resolved more than 40 days ago is left alone.
    settings.SURVEY_MIN_GAP_DAYS = 30
    _resolved_complaint(_new_customer(name="Recent enough"), 39)
    _resolved_complaint(_new_customer(name="Old"), 41)

    plan_surveys()

    assert [name for name, *_ in _planned()] == ["Recent enough"]


def test_nobody_is_asked_twice_within_the_minimum_gap(settings):
    settings.SURVEY_MIN_GAP_DAYS = 30
    lately = _new_customer(name="Asked lately")
    SurveyFactory(customer=lately, created_at=_days_ago(10))
    _resolved_complaint(lately, 4)
    a_while_ago = _new_customer(name="Asked a while ago")
    SurveyFactory(customer=a_while_ago, created_at=_days_ago(31))
    _resolved_complaint(a_while_ago, 4)

    assert plan_surveys() == 1

    assert Survey.objects.get(reason="after_complaint").customer == a_while_ago


def test_two_complaints_resolved_together_make_one_survey_about_the_latest():
    customer = _new_customer(name="Twice")
    _resolved_complaint(customer, 6, summary="First")
    _resolved_complaint(customer, 4, summary="Second")

    assert plan_surveys() == 1
    assert _planned() == [("Twice", "after_complaint", "Second")]


def test_planning_twice_creates_nothing_more():
    _resolved_complaint(_new_customer(), 4)
    CustomerFactory(customer_since=timezone.localdate() - 400 * D)

    assert plan_surveys() == 2
    assert plan_surveys() == 0
    assert Survey.objects.count() == 2


# Periodic -------------------------------------------------------------------------------------


def test_every_active_customer_is_asked_every_n_months(settings):
    settings.SURVEY_EVERY_MONTHS = 6
    long_ago = timezone.localdate() - 800 * D
    CustomerFactory(name="Never asked", customer_since=long_ago)
    SurveyFactory(
        customer=CustomerFactory(name="Asked 7 months ago", customer_since=long_ago),
        created_at=_days_ago(213),
    )
    SurveyFactory(
        customer=CustomerFactory(name="Asked 5 months ago", customer_since=long_ago),
        created_at=_days_ago(150),
    )
    CustomerFactory(name="Too new", customer_since=timezone.localdate() - 150 * D)
    CustomerFactory(name="At risk", customer_since=long_ago, status=Customer.Status.AT_RISK)
    CustomerFactory(name="Prospect", customer_since=long_ago, status=Customer.Status.PROSPECT)
    CustomerFactory(name="Lost", customer_since=long_ago, status=Customer.Status.LOST)
    CustomerFactory(name="Opted out", customer_since=long_ago, email_opt_out=True)
    CustomerFactory(name="No email", customer_since=long_ago, email="")
    CustomerFactory(name="Archived", customer_since=long_ago, archived_at=timezone.now())
    ComplaintFactory(customer=CustomerFactory(name="Complaining", customer_since=long_ago))

    assert plan_surveys() == 3

    assert sorted(
        Survey.objects.filter(created_at__gt=_days_ago(1)).values_list("customer__name", "reason")
    ) == [
        ("Asked 7 months ago", "periodic"),
        ("At risk", "periodic"),
        ("Never asked", "periodic"),
    ]


def test_the_minimum_gap_holds_even_when_surveys_are_set_more_often(settings):
    settings.SURVEY_EVERY_MONTHS = 0
    settings.SURVEY_MIN_GAP_DAYS = 30
    customer = CustomerFactory(customer_since=timezone.localdate() - 400 * D)
    SurveyFactory(customer=customer, created_at=_days_ago(20))

    assert plan_surveys() == 0


def test_a_customer_due_both_surveys_gets_the_complaint_one_only():
    customer = CustomerFactory(customer_since=timezone.localdate() - 400 * D)
    _resolved_complaint(customer, 4)

    assert plan_surveys() == 1
    assert Survey.objects.get().reason == "after_complaint"


def test_a_large_book_is_asked_a_batch_at_a_time(settings):
    settings.SURVEY_PLAN_BATCH = 2
    CustomerFactory.create_batch(5, customer_since=timezone.localdate() - 400 * D)

    assert plan_surveys() == 2
    assert plan_surveys() == 2
    assert plan_surveys() == 1
    assert plan_surveys() == 0


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        ("2026-03-31 10:00", 1, "2026-02-28 10:00"),
        ("2028-03-31 10:00", 1, "2028-02-29 10:00"),
        ("2026-08-31 10:00", 6, "2026-02-28 10:00"),
        ("2026-01-15 10:00", 6, "2025-07-15 10:00"),
        ("2026-01-15 10:00", 0, "2026-01-15 10:00"),
    ],
)
def test_months_before_counts_calendar_months(moment, months, expected):
    parse = datetime.datetime.fromisoformat
    assert months_before(parse(moment), months) == parse(expected)


def test_planning_queues_the_new_and_any_left_pending_and_enqueues_them_on_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    # Left pending: planned before the outbox, whose task was lost.
    stranded = SurveyFactory(
        state=Survey.State.PENDING, token_hash=None, created_at=_days_ago(1), sent_at=None
    )
    _resolved_complaint(_new_customer(), 4)
    enqueued = []
    monkeypatch.setattr(send_emails, "delay", enqueued.append)

    with django_capture_on_commit_callbacks(execute=True):
        plan_surveys()

    new = Survey.objects.get(reason="after_complaint")
    emails = {email.about: email.pk for email in queued("survey")}
    assert set(emails) == {stranded, new}
    assert sorted(pk for batch in enqueued for pk in batch) == sorted(emails.values())
    assert set(Survey.objects.values_list("state", flat=True)) == {Survey.State.SENDING}


def test_asking_one_customer_now_queues_their_survey():
    customer = CustomerFactory(email="ada@example.com")

    survey = survey_create(customer=customer, reason=Survey.Reason.PERIODIC)

    assert survey.state == Survey.State.SENDING
    (email,) = queued("survey")
    assert (email.about, email.to, email.secret) == (survey, "ada@example.com", True)
    assert send_queued() == 1
    assert Survey.objects.get().state == Survey.State.SENT


@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_send_each_survey_once(monkeypatch):
    enqueued = []
    monkeypatch.setattr(send_emails, "delay", enqueued.append)
    CustomerFactory.create_batch(3, customer_since=timezone.localdate() - 400 * D)
    at_once(plan_surveys)
    for batch in enqueued:
        emails_send(batch)

    assert Survey.objects.count() == 3
    assert OutgoingEmail.objects.filter(kind="survey").count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Customer.objects.values_list("email", flat=True)
    )
    assert set(Survey.objects.values_list("state", flat=True)) == {Survey.State.SENT}


# Sending --------------------------------------------------------------------------------------


def _pending(**fields):
    return SurveyFactory(
        state=Survey.State.PENDING, token_hash=None, sent_at=None, attempts=0, **fields
    )


def _queue(survey) -> int:
    return surveys_queue(Survey.objects.filter(pk=survey.pk))


def _link(message):
    return re.search(r"https?://\S+/survey/(\S+)/", message.body).group(1)


def _link_hash(message):
    return hashlib.sha256(_link(message).split(".")[0].encode()).hexdigest()


def test_the_email_carries_a_signed_link_and_only_its_hash_is_kept_once_sent(settings):
    settings.SITE_URL = "https://rapport.example"
    settings.SURVEY_LINK_DAYS = 30
    survey = _pending(customer=CustomerFactory(name="Ada", email="ada@example.com"))

    assert _queue(survey) == 1
    assert send_queued() == 1

    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "How are we doing? Five quick questions"
    link = _link(message)
    assert f"https://rapport.example/survey/{link}/" in message.alternatives[0].content
    raw, _signature = link.split(".")
    assert len(raw) == 43  # secrets.token_urlsafe(32)
    survey.refresh_from_db()
    assert survey.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    # Neither the survey nor, once it went, the outbox keeps the link.
    stored = " ".join(str(v) for v in Survey.objects.values().get().values())
    assert raw not in stored
    email = OutgoingEmail.objects.get()
    assert (email.state, email.body_text, email.body_html) == ("sent", "", "")
    assert raw not in " ".join(str(v) for v in OutgoingEmail.objects.values().get().values())
    assert survey.state == Survey.State.SENT
    assert survey.sent_at == email.sent_at is not None
    # The link's days run from when it was queued, a moment before it was sent.
    assert 30 * D - datetime.timedelta(minutes=1) < survey.expires_at - survey.sent_at <= 30 * D
    assert "Unsubscribe" in message.alternatives[0].content
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<")


def test_the_survey_after_a_complaint_says_so_and_escapes_it():
    customer = CustomerFactory(name="Ada <b>")
    complaint = _resolved_complaint(customer, 4, summary="Kettle <leaks> & hisses")
    survey = _pending(customer=customer, reason="after_complaint", complaint=complaint)

    _queue(survey)
    send_queued()

    (message,) = mail.outbox
    assert message.subject == "How did we do putting things right?"
    assert 'your complaint "Kettle <leaks> & hisses"' in message.body
    html = message.alternatives[0].content
    assert "Kettle &lt;leaks&gt; &amp; hisses" in html
    assert "Dear Ada &lt;b&gt;," in html


def test_a_survey_is_sent_once_however_often_it_is_queued_or_sent():
    survey = _pending()

    assert _queue(survey) == 1
    assert _queue(survey) == 0
    plan_surveys()  # which queues whatever is still pending
    (email,) = OutgoingEmail.objects.all()
    # The task enqueued on commit, and the same batch again (a redelivered task).
    assert emails_send([email.pk]) == 1
    assert emails_send([email.pk]) == 0

    assert len(mail.outbox) == 1
    assert Survey.objects.get().attempts == 1


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"email_opt_out": True}, "The customer takes no email."),
        ({"email": ""}, "The customer has no email address."),
        ({"archived_at": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)}, None),
    ],
)
def test_a_customer_who_takes_no_email_is_not_sent_one(fields, error):
    survey = _pending(customer=CustomerFactory(**fields))

    assert _queue(survey) == 0

    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []
    survey.refresh_from_db()
    assert (survey.state, survey.token_hash) == ("skipped", None)
    assert survey.last_error == (error or "The customer takes no email.")


def test_a_refused_send_is_tried_again_with_the_same_link(settings):
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    survey = _pending(customer=CustomerFactory(email="ada@example.com"))
    _queue(survey)

    with smtp_server(settings, Inbox(refuse_first=1)) as inbox:
        assert send_queued() == 0
        survey.refresh_from_db()
        assert (survey.state, survey.last_error) == ("sending", "")
        assert "451" in OutgoingEmail.objects.get().last_error
        assert send_queued() == 1

    (message,) = inbox.messages_to("ada@example.com")
    survey.refresh_from_db()
    assert (survey.state, survey.last_error, survey.attempts) == ("sent", "", 1)
    assert OutgoingEmail.objects.get().attempts == 2
    link = re.search(r"https?://\S+/survey/(\S+)/", message.get_body(("plain",)).get_content())
    assert hashlib.sha256(link.group(1).split(".")[0].encode()).hexdigest() == survey.token_hash


def test_a_survey_that_fails_every_retry_is_marked_failed_and_can_be_sent_again(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_MAX_RETRIES = 2
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    survey = _pending(customer=CustomerFactory(email="ada@example.com"))
    _queue(survey)
    first_hash = Survey.objects.get().token_hash

    use_smtp(settings, free_port())  # nothing listens there
    for _ in range(2 + 1):
        send_queued()

    survey.refresh_from_db()
    failed = OutgoingEmail.objects.get()
    assert (failed.state, failed.attempts) == (OutgoingEmail.State.FAILED, 3)
    assert "Connection refused" in failed.last_error
    assert survey.state == Survey.State.FAILED
    assert survey.last_error == failed.last_error
    assert not queued().exists()

    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    with (
        smtp_server(settings, Inbox()) as inbox,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert surveys.survey_send_again(survey) is True
        assert surveys.survey_send_again(survey) is False
        assert Survey.objects.get().state == Survey.State.SENDING

    (message,) = inbox.messages_to("ada@example.com")
    survey.refresh_from_db()
    assert (survey.state, survey.last_error) == ("sent", "")
    # The email that failed went as it was: no second invitation with another link can follow
    # it from the failures page.
    assert survey.token_hash == first_hash
    assert OutgoingEmail.objects.get().state == OutgoingEmail.State.SENT
    link = re.search(r"https?://\S+/survey/(\S+)/", message.get_body(("plain",)).get_content())
    assert hashlib.sha256(link.group(1).split(".")[0].encode()).hexdigest() == survey.token_hash
