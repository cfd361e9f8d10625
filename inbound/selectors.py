import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .imap import configured_mailboxes
from .models import InboundMessage, Mailbox

INBOX_STATES = (
    InboundMessage.State.UNMATCHED,
    InboundMessage.State.FAILED,
    InboundMessage.State.TOO_BIG,
)


def inbox_messages(*, with_failed: bool):
    """The messages waiting for a person, newest first; failed and too big ones only for
    managers."""
    states = INBOX_STATES if with_failed else (InboundMessage.State.UNMATCHED,)
    return (
        InboundMessage.objects.filter(state__in=states).defer("raw").order_by("-received_at", "-id")
    )


def unmatched_count() -> int:
    return InboundMessage.objects.filter(state=InboundMessage.State.UNMATCHED).count()


def unreachable_mailboxes() -> list[Mailbox]:
    """The configured IMAP mailboxes not reached for INBOUND_IMAP_QUIET_AFTER_SECONDS, with the
    last error; no query when none is configured."""
    keys = [where.key for where in configured_mailboxes()]
    if not keys:
        return []
    since = timezone.now() - datetime.timedelta(seconds=settings.INBOUND_IMAP_QUIET_AFTER_SECONDS)
    return list(
        Mailbox.objects.filter(key__in=keys)
        .filter(
            Q(last_reached_at__lt=since) | Q(last_reached_at__isnull=True, created_at__lt=since)
        )
        .order_by("key")
    )
