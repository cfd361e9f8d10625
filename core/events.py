"""Things that happened in the business, told to whoever listens above (webhooks).

A service that writes calls ``emit`` inside its transaction, after the write: a listener that
records the event in the same transaction records it only if the write commits."""

from django.dispatch import Signal

# Sent with name (such as "customer.created"), instance, and event_id (None: the listener makes
# one; set when the same event must not be told twice, such as a follow-up overdue on a day).
happened = Signal()


def emit(name: str, instance, *, event_id: str | None = None) -> None:
    happened.send(sender=type(instance), name=name, instance=instance, event_id=event_id)
