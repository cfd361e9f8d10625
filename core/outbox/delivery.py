"""Sending: claim a queued email, hand it to the SMTP server, record what became of it."""

import contextlib
import datetime
import logging
import smtplib

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from core.errors import describe
from core.mail import MaybeSent
from core.models import OutgoingEmail

from .replies import reply_address
from .signals import email_settled

logger = logging.getLogger(__name__)
State = OutgoingEmail.State

# Emails one task sends over one SMTP connection: a connection of its own for each took about
# a third of the time of a send.
BATCH = 50
# What may be tried again: the server said "later", or could not be reached or greet us.
# Errors after the message was handed over are MaybeSent (core.mail), never one of these.
RETRYABLE = (smtplib.SMTPException, OSError)
DUE_PER_SWEEP = 20 * BATCH

ABANDONED_ERROR = (
    "The worker stopped while sending this email, so it may or may not have arrived. "
    "Check with the recipient before retrying."
)


def in_batches(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]


def emails_send(email_ids: list[int]) -> int:
    """Send these emails, each only if it is still queued and due, over one SMTP connection;
    returns how many went. One that fails does not hold up the rest."""
    smtp, sent = None, 0
    remaining = list(email_ids)
    try:
        while remaining:
            email = _claim(remaining.pop(0))
            if email is None:
                continue
            if smtp is None:
                smtp = get_connection()
                try:
                    smtp.open()
                except RETRYABLE as error:
                    # Nothing was handed over: this one and the rest wait their turn.
                    _retry_later(email, error)
                    for other in filter(None, map(_claim, remaining)):
                        _retry_later(other, error)
                    return sent
            delivered = _deliver(email, smtp)
            sent += delivered is True
            if delivered is None:
                _hang_up(smtp)  # it may be broken: the next email dials again
                smtp = None
    finally:
        if smtp is not None:
            _hang_up(smtp)
    return sent


def _claim(email_id: int) -> OutgoingEmail | None:
    """The email, now ours to send, if it was still queued and due; else None."""
    now = timezone.now()
    claimed = OutgoingEmail.objects.raw(CLAIM_SQL, [now, email_id, now])
    return next(iter(claimed), None)


# The claim and the row in one round trip (an UPDATE, then a SELECT, took two for every email).
CLAIM_SQL = f"""
UPDATE {OutgoingEmail._meta.db_table}
SET state = '{State.SENDING.value}', claimed_at = %s, attempts = attempts + 1
WHERE id = %s AND state = '{State.QUEUED.value}' AND send_after <= %s
RETURNING *
"""


def _deliver(email: OutgoingEmail, smtp) -> bool | None:
    """True when sent; False when refused and the connection is still good; None when the
    connection should be dropped."""
    headers = {**email.headers}
    if email.message_id:
        headers["Message-ID"] = email.message_id
    reply_to = reply_address(email)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        to=[email.to],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
        connection=smtp,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except SoftTimeLimitExceeded:
        raise  # left claimed: the sweep marks it uncertain, as it may have gone
    except MaybeSent as error:
        _settle(email, State.UNCERTAIN, error)
        return None
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reply in error.recipients.values()]
        _refused(email, error, permanent=all(code >= 500 for code in codes))
        return False
    except smtplib.SMTPResponseException as error:
        _refused(email, error, permanent=error.smtp_code >= 500)
        return None
    except RETRYABLE as error:
        _retry_later(email, error)
        return None
    except Exception as error:
        # Not the server's doing: a message that cannot be built. Trying again changes nothing.
        logger.exception("Email %s could not be sent", email.pk)
        _settle(email, State.FAILED, error)
        return None
    _settle(email, State.SENT)
    return True


def _refused(email, error, *, permanent):
    if permanent:
        _settle(email, State.FAILED, error)  # "no such mailbox" stays so
    else:
        _retry_later(email, error)


def _retry_later(email: OutgoingEmail, error: BaseException) -> None:
    if email.attempts > settings.EMAIL_MAX_RETRIES:
        _settle(email, State.FAILED, error)
        return
    delay = settings.EMAIL_RETRY_BASE_SECONDS * 2 ** (email.attempts - 1)
    OutgoingEmail.objects.filter(pk=email.pk, state=State.SENDING).update(
        state=State.QUEUED,
        claimed_at=None,
        send_after=timezone.now() + datetime.timedelta(seconds=delay),
        last_error=describe(error),
    )


def _settle(email: OutgoingEmail, state: str, error: BaseException | str = "", **only) -> bool:
    """Record the outcome of a claimed email and tell the apps; False if it was not claimed
    (any more) on the terms of ``only``."""
    now = timezone.now()
    email.state = state
    email.last_error = error if isinstance(error, str) else describe(error)
    fields = {"state": state, "last_error": email.last_error}
    if state == State.SENT:
        email.sent_at = fields["sent_at"] = now
        if email.secret:
            email.body_text = email.body_html = fields["body_text"] = fields["body_html"] = ""
    with transaction.atomic():
        if not OutgoingEmail.objects.filter(pk=email.pk, state=State.SENDING, **only).update(
            **fields
        ):
            return False
        try:
            with transaction.atomic():
                email_settled.send(sender=OutgoingEmail, email=email)
        except Exception:
            # What the apps make of it is theirs to get wrong; the outcome itself stands, or
            # a sent email would look unsent and be swept as uncertain.
            logger.exception("Recording the outcome of email %s elsewhere failed", email.pk)
    if state != State.SENT:
        logger.error("Email %s (%s) %s: %s", email.pk, email.kind, state, email.last_error)
    return True


def _hang_up(smtp) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.close()


def emails_due(now: datetime.datetime | None = None) -> list[int]:
    """Mark uncertain what a dead worker left claimed, and return the queued emails now due
    (retries, and those whose task was lost), oldest first, a bounded number a run."""
    now = now or timezone.now()
    emails_abandoned(now)
    return list(
        OutgoingEmail.objects.filter(state=State.QUEUED, send_after__lte=now)
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:DUE_PER_SWEEP]
    )


def emails_send_due() -> int:
    """Send everything due here and now, as the workers would (for commands and cron)."""
    return sum(emails_send(batch) for batch in in_batches(emails_due()))


def emails_abandoned(now: datetime.datetime) -> int:
    """An email claimed longer ago than any task may run lost its worker (killed, out of
    memory) mid-send. It may have gone out, so it is not sent again: it is marked uncertain,
    for a person to check. Two sweeps at once mark each once."""
    cutoff = now - datetime.timedelta(seconds=settings.EMAIL_ABANDONED_AFTER_SECONDS)
    found = 0
    for email in OutgoingEmail.objects.filter(state=State.SENDING, claimed_at__lt=cutoff):
        found += _settle(email, State.UNCERTAIN, ABANDONED_ERROR, claimed_at=email.claimed_at)
    return found
