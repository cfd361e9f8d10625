"""Which events some enabled endpoint subscribes to, known without asking the database."""

import threading
import time

from django.db import connection, transaction

from .models import WebhookEndpoint

# Which events some enabled endpoint subscribes to, per process. Filing inbound email logs
# about a hundred interactions a second, and most installs have no endpoint: with this, an
# event nobody subscribes to costs no query at all, and the set itself one small query every
# SUBSCRIPTIONS_SECONDS. Saving or deleting an endpoint forgets it in the process that did it
# (webhooks.apps connects that; the services call it after their UPDATEs). Other processes see
# the change within SUBSCRIPTIONS_SECONDS. The trade-off: for those seconds, a subscription
# added in another process misses its events, and one dropped costs one query per event.
SUBSCRIPTIONS_SECONDS = 5.0
_subscriptions: tuple[float, frozenset[str]] = (float("-inf"), frozenset())
_lock = threading.Lock()


def subscribed_events() -> frozenset[str]:
    global _subscriptions
    read_at, events = _subscriptions
    if time.monotonic() - read_at < SUBSCRIPTIONS_SECONDS:
        return events
    with _lock:
        rows = WebhookEndpoint.objects.filter(enabled=True).values_list("events", flat=True)
        events = frozenset(name for subscribed in rows for name in subscribed)
        _subscriptions = (time.monotonic(), events)
    return events


def forget_subscriptions() -> None:
    """Read the subscriptions afresh on the next event: now, and again when the transaction
    that changed an endpoint commits (a read in between would see the old rows)."""
    global _subscriptions
    _subscriptions = (float("-inf"), frozenset())
    if connection.in_atomic_block:
        transaction.on_commit(forget_subscriptions)


def endpoint_changed(sender, **kwargs) -> None:
    """Connected to post_save and post_delete of WebhookEndpoint, wherever the change came
    from (the pages, the shell, a test's factory)."""
    forget_subscriptions()
