"""Celery tasks: thin wrappers that call a service. Each is also a command."""

from celery import shared_task

from .models import LiveCustomerCount


@shared_task
def compact_live_customer_count() -> int:
    """Fold the kept count's changes into one row (hourly on beat); returns the count."""
    LiveCustomerCount.compact()
    return LiveCustomerCount.total()
