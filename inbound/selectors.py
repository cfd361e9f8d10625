from .models import InboundMessage

INBOX_STATES = (InboundMessage.State.UNMATCHED, InboundMessage.State.FAILED)


def inbox_messages(*, with_failed: bool):
    """The messages waiting for a person, newest first; failed ones only for managers."""
    states = INBOX_STATES if with_failed else (InboundMessage.State.UNMATCHED,)
    return (
        InboundMessage.objects.filter(state__in=states).defer("raw").order_by("-received_at", "-id")
    )


def unmatched_count() -> int:
    return InboundMessage.objects.filter(state=InboundMessage.State.UNMATCHED).count()
