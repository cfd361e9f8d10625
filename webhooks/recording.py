"""From what happened to deliveries: the receiver of core.events.happened.

A transactional outbox: the deliveries are rows written in the transaction of the change they
tell, so a write that rolls back sends nothing, and one that commits is sent even if the broker
was down then (beat's sweep finds it). The task that sends them is queued after the commit.
"""

import json
import uuid
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from core.enqueue import enqueue

from .models import WebhookDelivery, WebhookEndpoint
from .payloads import event_payload
from .subscriptions import subscribed_events
from .tasks import send_webhooks


def record_event(sender, *, name: str, instance, event_id: str | None = None, **kwargs) -> None:
    """Connected to core.events.happened: one delivery of the event to each enabled endpoint
    subscribed to it, in the caller's transaction."""
    if name not in subscribed_events():
        return
    event_id = event_id or str(uuid.uuid4())
    deliveries_create(name, event_id, event_payload(name, instance, event_id))


# One statement finds the subscribers and writes their deliveries; an event already recorded
# for an endpoint (the same event_id: planning ran twice) is skipped, not an error.
INSERT_SQL = f"""
INSERT INTO {WebhookDelivery._meta.db_table}
    (endpoint_id, event, event_id, payload, state, attempts, next_attempt_at, created_at,
     last_error)
SELECT id, %s, %s, %s::jsonb, '{WebhookDelivery.State.QUEUED.value}', 0, %s, %s, ''
FROM {WebhookEndpoint._meta.db_table}
WHERE enabled AND events @> ARRAY[%s]::varchar(40)[]
ON CONFLICT (endpoint_id, event_id) DO NOTHING
RETURNING id
"""


def deliveries_create(name: str, event_id: str, payload: dict) -> list[int]:
    """Write the event's deliveries and send them once the transaction commits; their ids."""
    now = timezone.now()
    body = json.dumps(payload)
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, [name, event_id, body, now, now, name])
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        send_after_commit(ids)
    return ids


def send_after_commit(ids: list[int]) -> None:
    # robust: the deliveries are committed; a broker outage must not fail the write they tell
    # of, and beat's sweep sends them a minute later.
    transaction.on_commit(partial(enqueue, send_webhooks, ids), robust=True)
