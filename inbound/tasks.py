"""Celery tasks of inbound email: thin wrappers that take ids and call processing."""

from celery import shared_task

from . import processing


@shared_task
def process_inbound(message_id: int) -> str | None:
    """File one stored message."""
    return processing.message_process(message_id)


@shared_task
def process_stranded_inbound() -> int:
    """File the messages left unprocessed a minute (every minute on beat)."""
    return processing.messages_process_stranded()
