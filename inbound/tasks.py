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


@shared_task
def poll_mailboxes() -> int:
    """Store the new mail of the IMAP mailboxes (on beat, every INBOUND_IMAP_EVERY_SECONDS)."""
    # imap stores through storing, which queues process_inbound from this module.
    from . import imap

    return imap.mailboxes_poll()
