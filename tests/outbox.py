"""Helpers for tests of email: what the outbox holds, and sending it as a worker would."""

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail.backends import locmem

from core.models import OutgoingEmail
from core.outbox.delivery import emails_send


def queued(kind: str | None = None):
    emails = OutgoingEmail.objects.filter(state=OutgoingEmail.State.QUEUED).order_by("pk")
    return emails.filter(kind=kind) if kind else emails


def send_queued(kind: str | None = None) -> int:
    """Send what is queued (of ``kind``) now, as the task enqueued on commit would."""
    return emails_send(list(queued(kind).values_list("pk", flat=True)))


def worker_dies_sending(monkeypatch) -> None:
    """Send what is queued, the worker stopping (time limit, killed) in the middle of it."""

    def killed(self, messages):
        raise SoftTimeLimitExceeded()

    with monkeypatch.context() as patch:
        patch.setattr(locmem.EmailBackend, "send_messages", killed)
        with pytest.raises(SoftTimeLimitExceeded):
            send_queued()
