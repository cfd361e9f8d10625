"""Celery tasks: thin wrappers that take ids and call a service. Each is also a command."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import transaction

from . import digests, stats
from .complaints import services as complaints
from .reminders import planning as reminders

logger = logging.getLogger(__name__)

# Worth retrying: the SMTP server said "try later", or could not be reached at all.
TRANSIENT = (smtplib.SMTPException, OSError)


def _retry_later(task, error):
    countdown = settings.EMAIL_RETRY_BASE_SECONDS * 2**task.request.retries
    raise task.retry(exc=error, countdown=countdown, max_retries=settings.EMAIL_MAX_RETRIES)


@shared_task(bind=True)
def send_complaint_email(self, complaint_id: int, which: str) -> None:
    """Email the customer about their complaint (acknowledgement or resolution), once."""
    try:
        complaints.complaint_send_email(complaint_id, which)
    except TRANSIENT as error:
        if self.request.retries >= settings.EMAIL_MAX_RETRIES:
            # Out of retries: say so on the case, where whoever works it will see it.
            complaints.complaint_email_failed(complaint_id, which, error)
            return
        _retry_later(self, error)


@shared_task
def plan_reminders() -> int:
    """Create the reminders that fell due (every 15 minutes on beat), enqueue again the
    complaint emails whose task was lost to a broker outage, and report on the case those
    whose worker died mid-send."""
    created = reminders.plan_reminders()
    complaints.complaint_emails_resend_pending()
    complaints.complaint_emails_abandoned()
    return created


@shared_task
def send_digests() -> int:
    """Queue today's digests for everyone with something due (every few minutes on beat).

    Plans first, so a digest never misses what fell due since the last planning run."""
    reminders.plan_reminders()
    digest_ids = digests.schedule_digests()
    batches = digests.in_batches(digest_ids)
    transaction.on_commit(lambda: [send_digest_batch.delay(batch) for batch in batches])
    return len(digest_ids)


@shared_task(bind=True)
def send_digest_batch(self, digest_ids: list[int]) -> None:
    """Send these digests over one SMTP connection. A failure retries the batch, which skips
    the digests already sent; after the last retry, those still unsent are marked failed."""
    try:
        digests.digests_send(digest_ids)
    except TRANSIENT as error:
        if self.request.retries >= settings.EMAIL_MAX_RETRIES:
            for digest_id in digest_ids:
                digests.digest_failed(digest_id, error)
            return
        _retry_later(self, error)


@shared_task(bind=True)
def send_escalation(self, reminder_id: int) -> None:
    """Email the managers about a breached complaint target."""
    try:
        digests.escalation_send(reminder_id)
    except TRANSIENT as error:
        if self.request.retries < settings.EMAIL_MAX_RETRIES:
            _retry_later(self, error)
        # The claim was released with the error on the reminder: the next planning run
        # enqueues it again, so a long SMTP outage delays the escalation but does not lose it.
        logger.error("Escalation for reminder %s not sent, will be retried: %s", reminder_id, error)


@shared_task
def refresh_interaction_counts() -> int:
    """Summarise the interactions of closed days for the dashboard (hourly on beat)."""
    return stats.refresh()
