"""Celery tasks of announcements: thin wrappers that call sending."""

from celery import shared_task

from . import sending


@shared_task
def send_announcements() -> int:
    """Queue the emails of the announcements that are due (on beat every minute, and at once
    when one is sent or resumed)."""
    return sending.announcements_send_due()
