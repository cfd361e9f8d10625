"""Beat's retention sweeps (settings.CELERY_BEAT_SCHEDULE): thin wrappers of privacy.retention."""

from celery import shared_task

from . import retention


@shared_task
def expire_import_files() -> int:
    """Forget imported files' contents, and uploads left unimported for a day."""
    return retention.import_files_expire()


@shared_task
def expire_inbound_bodies() -> int:
    """Drop the bodies of inbound messages older than RETENTION_DAYS."""
    return retention.inbound_bodies_expire()


@shared_task
def expire_outbox_bodies() -> int:
    """Drop the bodies of sent or given-up emails older than RETENTION_DAYS."""
    return retention.outbox_bodies_expire()
