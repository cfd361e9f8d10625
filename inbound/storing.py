"""Keeping a message as it came, once, before anything else is done with it."""

from functools import partial

from django.db import IntegrityError, transaction

from core.enqueue import enqueue

from .models import InboundMessage
from .parsing import dedupe_key
from .tasks import process_inbound


def message_store(
    raw: bytes, *, source: str, envelope_from: str = "", envelope_to=()
) -> tuple[InboundMessage, bool]:
    """Store a raw message and have the worker process it: (the message, whether it is new).
    A copy of one stored already (by Message-ID, or by content without one) is not stored again."""
    with transaction.atomic():
        candidate = InboundMessage(
            source=source,
            raw=raw,
            size=len(raw),
            dedupe_key=dedupe_key(raw),
            envelope_from=envelope_from[:320],
            envelope_to="\n".join(envelope_to),
        )
        try:
            with transaction.atomic():
                candidate.save(force_insert=True)
        except IntegrityError:
            # A copy: the first one's insert, even a concurrent one, holds the key.
            return InboundMessage.objects.get(dedupe_key=candidate.dedupe_key), False
        # robust: the message is stored; a broker outage must not refuse it. The sweep
        # processes what was not queued.
        transaction.on_commit(partial(enqueue, process_inbound, candidate.pk), robust=True)
    return candidate, True
