"""Celery tasks of insights: thin wrappers."""

from celery import shared_task

from . import computing, weekly


@shared_task
def compute_insights() -> int:
    """Recompute the insight tables, then send the week's "what's changing" emails when they
    are due (on beat every INSIGHTS_EVERY_SECONDS); returns how many emails were queued."""
    computing.insights_compute()
    return weekly.weekly_changes_send()
