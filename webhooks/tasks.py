"""Celery tasks of webhooks: thin, by id."""

from celery import shared_task

from . import delivery


@shared_task
def send_webhooks(delivery_ids: list[int]) -> int:
    """POST these deliveries, each once, if still due."""
    return delivery.deliveries_send(delivery_ids)


@shared_task
def send_due_webhooks() -> int:
    """Send the retries that are due and the deliveries whose task was lost, release those a
    dead worker left claimed, and forget old ones (on beat every minute)."""
    delivery.deliveries_forget_old()
    batches = delivery.in_batches(delivery.deliveries_due())
    for batch in batches:
        send_webhooks.delay(batch)
    return sum(map(len, batches))
