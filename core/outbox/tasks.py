"""Celery tasks of the outbox: thin, by id."""

from celery import shared_task

from . import delivery


@shared_task
def send_emails(email_ids: list[int]) -> int:
    """Send these queued emails over one SMTP connection, each once."""
    return delivery.emails_send(email_ids)


@shared_task
def send_due_emails() -> int:
    """Send what is due (retries, lost tasks) in batches, and mark uncertain what a dead
    worker left claimed (every minute on beat)."""
    batches = delivery.in_batches(delivery.emails_due())
    for batch in batches:
        send_emails.delay(batch)
    return sum(map(len, batches))
