"""Celery tasks of the API: thin wrappers over the services."""

from celery import shared_task

from .idempotency import forget_old_keys


@shared_task
def forget_idempotency_keys() -> int:
    return forget_old_keys()
