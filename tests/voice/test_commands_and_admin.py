"""The operator's side: beat, management commands and the admin pages."""

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from config.celery import app as celery_app
from customers.models import Customer
from tests.factories import CustomerFactory, UserFactory
from voice.models import FeedbackSubmission, Survey
from voice.tasks import plan_surveys

from .factories import FeedbackSubmissionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def _long_standing_customer(**fields):
    return CustomerFactory(
        customer_since=timezone.localdate() - datetime.timedelta(days=400), **fields
    )


def test_beat_plans_surveys():
    entry = settings.CELERY_BEAT_SCHEDULE["plan-surveys"]

    assert entry["task"] in celery_app.tasks


def test_the_command_plans_surveys_and_refreshes_old_scores():
    _long_standing_customer()
    out = StringIO()

    call_command("plan_surveys", stdout=out)
    call_command("plan_surveys", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 surveys created",
        "1 loyalty scores refreshed",
        "0 surveys created",
        "0 loyalty scores refreshed",
    ]
    assert Survey.objects.count() == 1


def test_the_task_plans_and_refreshes_too():
    customer = _long_standing_customer()

    assert plan_surveys.apply().get() == 1

    assert Customer.objects.get(pk=customer.pk).loyalty_computed_at is not None


def test_beat_processes_stranded_feedback_every_half_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["process-stranded-feedback"]

    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] <= 30


def test_the_command_processes_feedback_left_received_a_minute_ago_once():
    UserFactory(role="Manager")
    stranded = FeedbackSubmissionFactory(
        state=FeedbackSubmission.State.RECEIVED,
        acknowledgement=FeedbackSubmission.Acknowledgement.PENDING,
        created_at=timezone.now() - datetime.timedelta(minutes=2),
    )
    FeedbackSubmissionFactory(state=FeedbackSubmission.State.RECEIVED, created_at=timezone.now())
    out = StringIO()

    call_command("process_stranded_feedback", stdout=out)
    call_command("process_stranded_feedback", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 feedback submissions processed",
        "0 feedback submissions processed",
    ]
    stranded.refresh_from_db()
    assert stranded.state == FeedbackSubmission.State.PROCESSED


def test_the_recompute_command_takes_ids_or_does_everyone():
    ada, grace = CustomerFactory(), CustomerFactory()
    out = StringIO()

    call_command("recompute_loyalty", str(ada.pk), stdout=out)
    assert Customer.objects.get(pk=grace.pk).loyalty_computed_at is None
    call_command("recompute_loyalty", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 loyalty scores recomputed",
        "2 loyalty scores recomputed",
    ]
    assert not Customer.objects.filter(loyalty_computed_at__isnull=True).exists()


@pytest.mark.parametrize("model", ["feedbacksubmission", "survey"])
def test_the_admin_lists_and_shows_them(admin_client, model):
    submission = FeedbackSubmissionFactory(message="<script>alert(1)</script>")
    survey = SurveyFactory(comment="Fine", answered_at=timezone.now(), satisfaction=4)
    pk = submission.pk if model == "feedbacksubmission" else survey.pk

    listing = admin_client.get(f"/admin/voice/{model}/")
    page = admin_client.get(f"/admin/voice/{model}/{pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()
