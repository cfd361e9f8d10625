"""Celery tasks for the voice of the customer: thin, by id, each also a command."""

from celery import shared_task

from . import loyalty, services, surveys


@shared_task
def plan_surveys() -> int:
    """Create the surveys now due and queue their emails (hourly on beat); then bring the
    oldest loyalty scores up to date, a batch a run."""
    created = surveys.plan_surveys()
    loyalty.loyalty_refresh_stale()
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
