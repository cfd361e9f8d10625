"""Delivering: claim a due delivery, POST it signed, record what became of it.

A delivery is claimed with one conditional UPDATE, so two workers, a retried task and beat's
sweep post it once. A POST whose answer never came may have arrived: receivers drop repeats by
the Rapport-Event-Id header, which every attempt carries unchanged.
"""

import datetime
import hashlib
import hmac
import json
import logging
import time

import httpx
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from . import destinations
from .disabling import endpoint_disable
from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)
State = WebhookDelivery.State

# Deliveries one task posts, one after another; each can wait WEBHOOK_TIMEOUT_SECONDS at each
# step, and the batch must end well inside the task's time limit (config/celery.py).
BATCH = 5
DUE_PER_SWEEP = 200 * BATCH
# Longer than any task may run (config/celery.py: 300 s): a delivery claimed this long ago lost
# its worker. It is tried again, as a repeat is harmless to a receiver that checks the event id.
STALE_AFTER = datetime.timedelta(minutes=10)
STALE_ERROR = "The worker stopped while sending this; it is tried again."
ERROR_LENGTH = WebhookDelivery._meta.get_field("last_error").max_length


def in_batches(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Rapport-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def deliveries_send(delivery_ids: list[int]) -> int:
    """Post these deliveries, each only if it is still waiting and due and its endpoint is
    enabled; returns how many arrived."""
    return sum(_send(delivery) for delivery in filter(None, map(_claim, delivery_ids)))


# The claim and what the POST needs, in one round trip.
CLAIM_SQL = f"""
UPDATE {WebhookDelivery._meta.db_table} AS d
SET state = '{State.SENDING.value}', claimed_at = %s, attempts = d.attempts + 1
FROM {WebhookEndpoint._meta.db_table} AS e
WHERE d.id = %s AND d.state IN {tuple(state.value for state in WebhookDelivery.WAITING)}
    AND d.next_attempt_at <= %s AND e.id = d.endpoint_id AND e.enabled
RETURNING d.*, e.url AS endpoint_url, e.secret AS endpoint_secret
"""


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """The delivery, now ours to post, if it was waiting and due; else None."""
    now = timezone.now()
    return next(iter(WebhookDelivery.objects.raw(CLAIM_SQL, [now, delivery_id, now])), None)


def _send(delivery: WebhookDelivery) -> bool:
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Rapport-Webhooks/1",
        "Rapport-Event": delivery.event,
        "Rapport-Event-Id": delivery.event_id,
        "Rapport-Delivery": str(delivery.pk),
        "Rapport-Signature": signature(delivery.endpoint_secret, int(time.time()), body),
    }
    try:
        target = destinations.target(delivery.endpoint_url)
        # A client of its own: a pooled connection made for another endpoint's name (TLS
        # checked against it) must not carry this one's request to the same address.
        with (
            httpx.Client(
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                "POST",
                target.url,
                content=body,
                headers=headers | target.headers,
                extensions=target.extensions,
            ) as response,
        ):
            status = response.status_code  # the body is never read: it could be endless
    except SoftTimeLimitExceeded:
        raise  # left claimed: the sweep releases it
    except destinations.Refused as refused:
        _failed(delivery, None, f"Refused: {refused}")
        return False
    except httpx.HTTPError as error:
        _failed(delivery, None, f"{type(error).__name__}: {error}")
        return False
    except Exception as error:
        # Not the receiver's doing; still recorded on the delivery, and tried again.
        logger.exception("Webhook delivery %s could not be sent", delivery.pk)
        _failed(delivery, None, f"{type(error).__name__}: {error}")
        return False
    if 200 <= status < 300:
        _delivered(delivery, status)
        return True
    reason = "a redirect, which is not followed" if 300 <= status < 400 else "not a 2xx answer"
    _failed(delivery, status, f"HTTP {status}: {reason}")
    return False


def _delivered(delivery: WebhookDelivery, status: int) -> None:
    with transaction.atomic():
        arrived = WebhookDelivery.objects.filter(pk=delivery.pk, state=State.SENDING).update(
            state=State.DELIVERED,
            delivered_at=timezone.now(),
            response_status=status,
            last_error="",
            claimed_at=None,
        )
        if arrived:
            WebhookEndpoint.objects.filter(
                pk=delivery.endpoint_id, consecutive_failures__gt=0
            ).update(consecutive_failures=0)


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long after failed attempt number ``attempts`` the next one goes."""
    return datetime.timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def _failed(delivery: WebhookDelivery, status: int | None, error: str) -> None:
    now = timezone.now()
    error = error[:ERROR_LENGTH]
    logger.warning(
        "Webhook delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error
    )
    sending = WebhookDelivery.objects.filter(pk=delivery.pk, state=State.SENDING)
    outcome = {"response_status": status, "last_error": error, "claimed_at": None}
    if delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        sending.update(
            state=State.FAILED, next_attempt_at=now + retry_delay(delivery.attempts), **outcome
        )
        return
    with transaction.atomic():
        if sending.update(state=State.GIVEN_UP, **outcome):
            _count_failure(delivery.endpoint_id, error)


def _count_failure(endpoint_id: int, error: str) -> None:
    """One more delivery given up in a row; at WEBHOOK_DISABLE_AFTER_FAILURES the endpoint is
    disabled, once, and the managers are told."""
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    endpoint_disable(
        endpoint_id,
        reason=f"{limit} deliveries in a row failed; the last: {error}",
        notify=True,
        consecutive_failures__gte=limit,
    )


def deliveries_due(now: datetime.datetime | None = None) -> list[int]:
    """Release what a dead worker left claimed, and return the deliveries now due (retries, and
    those whose task was lost), oldest first, a bounded number a run."""
    now = now or timezone.now()
    deliveries_release_stale(now)
    return list(
        WebhookDelivery.objects.filter(
            state__in=WebhookDelivery.WAITING, next_attempt_at__lte=now, endpoint__enabled=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:DUE_PER_SWEEP]
    )


def deliveries_release_stale(now: datetime.datetime) -> int:
    """Deliveries claimed longer ago than any task runs go back in line (or are given up, at
    their last attempt). Two sweeps at once release each once."""
    return WebhookDelivery.objects.filter(
        state=State.SENDING, claimed_at__lt=now - STALE_AFTER
    ).update(
        state=Case(
            When(attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS, then=Value(State.GIVEN_UP)),
            default=Value(State.FAILED),
        ),
        claimed_at=None,
        next_attempt_at=now,
        last_error=STALE_ERROR,
    )


def deliveries_forget_old(now: datetime.datetime | None = None) -> int:
    """Delete finished deliveries older than WEBHOOK_KEEP_DAYS, a bounded number a run."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.WEBHOOK_KEEP_DAYS)
    old = WebhookDelivery.objects.filter(
        created_at__lt=cutoff, state__in=[State.DELIVERED, State.GIVEN_UP]
    )
    ids = list(old.values_list("pk", flat=True)[:DUE_PER_SWEEP])
    return WebhookDelivery.objects.filter(pk__in=ids).delete()[0]


def deliveries_send_due() -> int:
    """Send everything due here and now, as the workers would (for commands and cron)."""
    return sum(deliveries_send(batch) for batch in in_batches(deliveries_due()))
