"""Writing webhook endpoints and their deliveries: adding, changing, enabling and deleting an
endpoint, a new secret, a test event, and replaying a delivery (disabling: disabling.py)."""

import uuid

from django.db import transaction
from django.utils import timezone

from .models import WebhookDelivery, WebhookEndpoint, new_secret
from .payloads import ping_payload
from .recording import send_after_commit
from .subscriptions import forget_subscriptions

State = WebhookDelivery.State


@transaction.atomic
def endpoint_create(*, url: str, events: list[str], created_by, description: str = ""):
    """Register an endpoint, enabled, with a secret of its own."""
    endpoint = WebhookEndpoint(
        url=url, events=sorted(set(events)), description=description, created_by=created_by
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_update(endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    """Change an endpoint's URL, description or events."""
    for name, value in fields.items():
        setattr(endpoint, name, sorted(set(value)) if name == "events" else value)
    endpoint.full_clean()
    endpoint.save(update_fields=list(fields))
    return endpoint


def endpoint_rotate_secret(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one signs nothing from now on, deliveries waiting included."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint


def endpoint_enable(endpoint: WebhookEndpoint) -> bool:
    """Send to it again, counting failures afresh; False if it was enabled already."""
    enabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=False).update(
        enabled=True, disabled_at=None, disabled_reason="", consecutive_failures=0
    )
    forget_subscriptions()
    return bool(enabled)


def endpoint_delete(endpoint: WebhookEndpoint) -> None:
    """Delete it and its delivery log."""
    endpoint.delete()
    forget_subscriptions()


@transaction.atomic
def endpoint_ping(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send the endpoint a test event (``ping``), as any other delivery."""
    event_id = f"ping:{uuid.uuid4()}"
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="ping", event_id=event_id, payload=ping_payload(endpoint, event_id)
    )
    send_after_commit([delivery.pk])
    return delivery


@transaction.atomic
def delivery_replay(delivery: WebhookDelivery) -> bool:
    """Send a delivery again, the same payload and event id, with a fresh count of attempts;
    False while it is being sent."""
    replayed = (
        WebhookDelivery.objects.filter(pk=delivery.pk)
        .exclude(state=State.SENDING)
        .update(
            state=State.QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_at=None,
            last_error="",
        )
    )
    if replayed:
        send_after_commit([delivery.pk])
    return bool(replayed)
