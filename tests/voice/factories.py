"""Factories for the voice of the customer: feedback submissions and surveys."""

import datetime
import secrets

import factory
from django.utils import timezone

from core.tokens import token_hash
from tests.factories import CustomerFactory
from voice.models import FeedbackSubmission, Survey
from voice.services import client_hash
from voice.surveys import survey_link_token


class FeedbackSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackSubmission

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"writer{n}@example.com")
    topic = FeedbackSubmission.Topic.QUESTION
    message = factory.Faker("sentence")
    client_hash = factory.LazyFunction(lambda: client_hash("192.0.2.1"))
    state = FeedbackSubmission.State.PROCESSED
    acknowledgement = FeedbackSubmission.Acknowledgement.SENT


class SurveyFactory(factory.django.DjangoModelFactory):
    """A survey that was sent: its link works until ``expires_at``. See ``sent_survey``."""

    class Meta:
        model = Survey

    customer = factory.SubFactory(CustomerFactory)
    reason = Survey.Reason.PERIODIC
    state = Survey.State.SENT
    attempts = 1
    created_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    planned_on = factory.LazyAttribute(lambda s: timezone.localdate(s.created_at))
    sent_at = factory.SelfAttribute("created_at")
    expires_at = factory.LazyAttribute(lambda s: s.created_at + datetime.timedelta(days=30))
    token_hash = factory.LazyFunction(lambda: token_hash(secrets.token_urlsafe(32)))


def sent_survey(**fields) -> tuple[Survey, str]:
    """A sent survey and the path of the link its email carried."""
    raw = secrets.token_urlsafe(32)
    survey = SurveyFactory(token_hash=token_hash(raw), **fields)
    return survey, f"/survey/{survey_link_token(raw)}/"


def answered_survey(*, answered_at, satisfaction=4, recommend=8, **fields) -> Survey:
    return SurveyFactory(
        created_at=answered_at - datetime.timedelta(days=2),
        answered_at=answered_at,
        satisfaction=satisfaction,
        recommend=recommend,
        considered_switching=fields.pop("considered_switching", Survey.Switching.NO),
        **fields,
    )
