"""The survey page a customer reaches from the email: answered once, friendly when it can't be."""

import datetime
import secrets
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from core.models import OutgoingEmail
from customers.models import Customer
from interactions.models import Interaction
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory
from tests.outbox import send_queued
from voice import surveys
from voice.models import Survey
from voice.surveys import survey_link_token
from voice.tasks import recompute_loyalty

from .factories import sent_survey

pytestmark = pytest.mark.django_db

ANSWERS = {
    "satisfaction": "4",
    "recommend": "9",
    "unmet_want": "Weekend appointments",
    "considered_switching": "no",
    "comment": "Quick and friendly.",
}


@pytest.fixture
def customer(staff_user):
    return CustomerFactory(
        name="Ada Lovelace", owner=staff_user, unmet_wants="Online booking (phone call)."
    )


@pytest.fixture
def recomputed(monkeypatch):
    queued = []
    monkeypatch.setattr(recompute_loyalty, "delay", queued.append)
    return queued


def test_a_valid_link_shows_the_five_questions(client, customer):
    _survey, link = sent_survey(customer=customer)

    response = client.get(link)

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Cache-Control"].startswith("max-age=0")
    content = response.content.decode()
    assert "Thank you, Ada Lovelace, for being our customer." in content
    for question in (
        "Overall, how satisfied are you with us?",
        "How likely are you to recommend us to a friend or colleague?",
        "Is there anything you wish we offered?",
        "Have you considered switching to another provider?",
        "Anything else you would like to tell us?",
    ):
        assert question in content
    assert 'name="recommend" value="0"' in content and 'name="recommend" value="10"' in content


def test_after_a_complaint_the_page_names_it(client, customer):
    complaint = ComplaintFactory(customer=customer, summary="Kettle <leaks>")
    _survey, link = sent_survey(customer=customer, reason="after_complaint", complaint=complaint)

    content = client.get(link).content.decode()

    assert "for letting us put things right about “Kettle &lt;leaks&gt;”" in content


def test_answering_records_it_on_the_timeline_and_the_profile_and_recomputes_loyalty(
    client, customer, staff_user, recomputed, django_capture_on_commit_callbacks
):
    survey, link = sent_survey(customer=customer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, ANSWERS)

    assert response.status_code == 200
    assert "Thank you for your answers" in response.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is not None
    assert (survey.satisfaction, survey.recommend) == (4, 9)
    assert (survey.unmet_want, survey.considered_switching) == ("Weekend appointments", "no")
    assert survey.comment == "Quick and friendly."
    interaction = survey.interaction
    assert interaction.kind == Interaction.Kind.FEEDBACK
    assert interaction.satisfaction == 4
    assert interaction.initiated_by == Interaction.Initiator.US
    assert interaction.author == staff_user
    assert interaction.summary == "Survey answer: satisfaction 4/5, recommend 9/10"
    assert "Considered switching to another provider: No" in interaction.details
    assert "Wishes we offered: Weekend appointments" in interaction.details
    assert interaction.details.endswith("Quick and friendly.")
    customer.refresh_from_db()
    today = timezone.localdate().strftime("%-d %b %Y")
    assert customer.unmet_wants == (
        f"Online booking (phone call).\nWeekend appointments (survey, {today})"
    )
    assert customer.history.filter(
        history_change_reason="Unmet want from a survey answer", unmet_wants=customer.unmet_wants
    ).exists()
    assert recomputed == [customer.pk]


def test_an_unmet_want_already_on_the_profile_is_not_added_twice(client, customer):
    _survey, link = sent_survey(customer=customer)

    client.post(link, {**ANSWERS, "unmet_want": "online BOOKING"})

    customer.refresh_from_db()
    assert customer.unmet_wants == "Online booking (phone call)."


def test_the_unmet_want_is_optional(client, customer):
    _survey, link = sent_survey(customer=customer)

    response = client.post(link, {**ANSWERS, "unmet_want": "", "comment": ""})

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.unmet_wants == "Online booking (phone call)."


def test_a_link_is_answered_once(client, customer):
    survey, link = sent_survey(customer=customer)
    client.post(link, ANSWERS)

    again = client.post(link, {**ANSWERS, "satisfaction": "1"})
    reopened = client.get(link)

    assert again.status_code == reopened.status_code == 410
    assert "You have already answered: thank you" in again.content.decode()
    survey.refresh_from_db()
    assert survey.satisfaction == 4
    assert Interaction.objects.filter(kind="feedback").count() == 1


def test_an_expired_link_gets_a_friendly_page_and_changes_nothing(client, customer):
    survey, link = sent_survey(
        customer=customer,
        created_at=timezone.now() - datetime.timedelta(days=31),
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    shown, answered = client.get(link), client.post(link, ANSWERS)

    assert shown.status_code == answered.status_code == 410
    content = answered.content.decode()
    assert "This survey has closed" in content
    assert 'href="/feedback/"' in content
    survey.refresh_from_db()
    assert survey.answered_at is None
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), id="signature"),
        pytest.param(lambda token: ("A" if token[0] != "A" else "B") + token[1:], id="token"),
        pytest.param(lambda token: token.split(".")[0], id="unsigned"),
        pytest.param(lambda token: token[:20], id="truncated"),
        pytest.param(lambda token: "not-a-real-token", id="made-up"),
    ],
)
def test_a_tampered_link_gets_a_friendly_not_found_page(client, customer, mangle):
    survey, link = sent_survey(customer=customer)
    token = link.split("/")[2]

    response = client.post(f"/survey/{mangle(token)}/", ANSWERS)

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_correctly_signed_link_for_no_survey_is_unknown(client, customer):
    # As after a failed send was retried: the first link's token was replaced.
    sent_survey(customer=customer)
    token = survey_link_token(secrets.token_urlsafe(32))

    response = client.get(f"/survey/{token}/")

    assert response.status_code == 404
    assert "replaced by a newer email" in response.content.decode()


def test_links_stop_working_when_the_secret_key_is_rotated(client, customer, settings):
    _survey, link = sent_survey(customer=customer)

    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-installation"

    assert client.get(link).status_code == 404


def test_an_opted_out_customer_is_sent_no_survey(customer):
    Customer.objects.filter(pk=customer.pk).update(email_opt_out=True)
    survey = Survey.objects.create(customer=customer, reason="periodic")

    assert surveys.surveys_queue(Survey.objects.filter(pk=survey.pk)) == 0
    assert surveys.plan_surveys() == 0

    survey.refresh_from_db()
    assert survey.state == Survey.State.SKIPPED
    assert survey.token_hash is None  # so there is no link that could work
    assert not OutgoingEmail.objects.exists()
    assert send_queued() == 0
    assert mail.outbox == []


def test_a_customer_who_opts_out_after_the_email_may_still_answer_it(client, customer):
    # Opting out stops our emails; it does not refuse answers they choose to give.
    survey, link = sent_survey(customer=customer)
    Customer.objects.filter(pk=customer.pk).update(email_opt_out=True)

    assert client.post(link, ANSWERS).status_code == 200
    survey.refresh_from_db()
    assert survey.is_answered


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("satisfaction", "", "Choose a number from 1 to 5."),
        ("satisfaction", "0", "Choose a number from 1 to 5."),
        ("satisfaction", "6", "Choose a number from 1 to 5."),
        ("satisfaction", "four", "Choose a number from 1 to 5."),
        ("recommend", "", "Choose a number from 0 to 10."),
        ("recommend", "11", "Choose a number from 0 to 10."),
        ("recommend", "-1", "Choose a number from 0 to 10."),
        ("considered_switching", "", "“I'd rather not say” is fine."),
        ("considered_switching", "maybe", "Choose yes, no or “I'd rather not say”."),
        ("unmet_want", "x" * 1001, "at most 1000 characters"),
        ("comment", "x" * 3001, "at most 3000 characters"),
        ("comment", "nul \x00", "Null characters are not allowed"),
    ],
)
def test_bad_answers_are_explained_and_the_others_kept(client, customer, field, value, message):
    survey, link = sent_survey(customer=customer)
    answers = {**ANSWERS, "unmet_want": "<b>Evening slots</b>", field: value}

    response = client.post(link, answers)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    content = response.content.decode()
    assert "Please answer what is marked below" in content
    if field != "unmet_want":
        assert "&lt;b&gt;Evening slots&lt;/b&gt;" in content
        assert "<b>Evening slots</b>" not in content
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_without_anyone_to_log_it_as_the_answer_still_counts(client):
    survey, link = sent_survey(customer=CustomerFactory(owner=None))

    response = client.post(link, ANSWERS)

    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.is_answered
    assert survey.interaction is None
    assert not Interaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_record_one_answer():
    owner = UserFactory(username="sam")
    survey, _link = sent_survey(customer=CustomerFactory(owner=owner))
    start, results = threading.Barrier(2), []

    def answer(satisfaction):
        try:
            start.wait(timeout=10)
            results.append(
                surveys.survey_answer(
                    Survey.objects.get(pk=survey.pk),
                    satisfaction=satisfaction,
                    recommend=8,
                    considered_switching="no",
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(n,)) for n in (2, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, True]
    assert Interaction.objects.filter(kind="feedback").count() == 1
