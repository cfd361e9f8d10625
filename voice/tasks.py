"""Celery tasks for the voice of the customer: thin, by id, each also a command."""

import logging

from celery import shared_task
from django.conf import settings

from interactions.tasks import TRANSIENT, _retry_later

from . import loyalty, services, surveys

logger = logging.getLogger(__name__)


@shared_task(bind=True)
def send_feedback_acknowledgement(self, submission_id: int) -> None:
    """Tell the sender of a feedback form we have their message, once."""
    try:
        services.feedback_acknowledge(submission_id)
    except TRANSIENT as error:
        if self.request.retries >= settings.EMAIL_MAX_RETRIES:
            services.feedback_acknowledgement_failed(submission_id, error)
            return
        _retry_later(self, error)


@shared_task(bind=True)
def send_survey(self, survey_id: int) -> None:
    """Email one survey link, once; after the last retry the survey is marked failed."""
    try:
        surveys.survey_send(survey_id)
    except TRANSIENT as error:
        if self.request.retries >= settings.EMAIL_MAX_RETRIES:
            surveys.survey_failed(survey_id, error)
            return
        _retry_later(self, error)


@shared_task
def plan_surveys() -> int:
    """Create the surveys now due and send them (hourly on beat); bring the oldest loyalty
    scores up to date, a batch a run; then enqueue again the feedback acknowledgements lost to
    a broker outage."""
    created = surveys.plan_surveys()
    loyalty.loyalty_refresh_stale()
    services.feedback_acknowledgements_resend_pending()
    return created


@shared_task
def process_stranded_feedback() -> int:
    """Process the feedback submissions left received: the web process or the database
    stopped between storing one and processing it."""
    return services.feedback_process_stranded()


@shared_task
def recompute_loyalty(customer_id: int) -> int | None:
    """Recompute one customer's loyalty score after one of its inputs changed."""
    return loyalty.loyalty_recompute(customer_id)
