"""Keeping a message as it came, once, before anything else is done with it."""

from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.enqueue import enqueue

from .models import InboundMessage
from .parsing import dedupe_key, parse
from .tasks import process_inbound


def message_store(
    raw: bytes,
    *,
    source: str,
    envelope_from: str = "",
    envelope_to=(),
    too_big: int | None = None,
) -> tuple[InboundMessage, bool]:
    """Store a raw message and have the worker process it: (the message, whether it is new).
    A copy of one stored already (by Message-ID, or by content without one) is not stored again.
    For a message of ``too_big`` bytes, ``raw`` is its header, kept to show and not processed."""
    with transaction.atomic():
        candidate = InboundMessage(
            source=source,
            raw=raw,
            size=too_big or len(raw),
            dedupe_key=dedupe_key(raw),
            envelope_from=envelope_from[:320],
            envelope_to="\n".join(envelope_to),
        )
        if too_big:
            header = parse(raw)
            candidate.from_address, candidate.from_name = header.sender[:320], header.sender_name
            candidate.subject = header.subject
            candidate.state = InboundMessage.State.TOO_BIG
            candidate.reason = _(
                "%(size)s bytes, above the limit of %(limit)s (INBOUND_MAX_BYTES): the message "
                "is still in the mailbox."
            ) % {"size": f"{too_big:,}", "limit": f"{settings.INBOUND_MAX_BYTES:,}"}
        try:
            with transaction.atomic():
                candidate.save(force_insert=True)
        except IntegrityError:
            # A copy: the first one's insert, even a concurrent one, holds the key.
            return InboundMessage.objects.get(dedupe_key=candidate.dedupe_key), False
        if too_big:
            return candidate, True
        # robust: the message is stored; a broker outage must not refuse it. The sweep
        # processes what was not queued.
        transaction.on_commit(partial(enqueue, process_inbound, candidate.pk), robust=True)
    return candidate, True
