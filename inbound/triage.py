"""What staff do with a message that matched no customer: file it on one, create the customer
from its sender, or set it aside (kept, hidden); and what a manager does with one that failed."""

from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.enqueue import enqueue
from customers.models import Customer
from customers.services import customer_create
from interactions.models import Interaction

from .models import InboundMessage
from .processing import log_on_timeline, read
from .tasks import process_inbound

State = InboundMessage.State


class NotWaiting(Exception):
    """The message was handled meanwhile, by someone else or in another tab."""


def _claim(message: InboundMessage, *states) -> InboundMessage:
    claimed = (
        InboundMessage.objects.select_for_update()
        .filter(pk=message.pk, state__in=states or [State.UNMATCHED])
        .first()
    )
    if claimed is None:
        raise NotWaiting
    return claimed


@transaction.atomic
def message_attach(message: InboundMessage, customer: Customer, *, by) -> Interaction:
    """File a message that matched nobody on ``customer``'s timeline, as the customer's email."""
    message = _claim(message)
    parsed = read(message)
    interaction = log_on_timeline(message, parsed, customer, by, Interaction.Initiator.CUSTOMER)
    message.handled_by, message.processed_at = by, timezone.now()
    message.save()
    return interaction


@transaction.atomic
def message_create_customer(message: InboundMessage, *, by) -> Customer:
    """Create the customer the sender is, owned by ``by``, and file the message on them; if
    someone added that customer meanwhile, file it on theirs."""
    message = _claim(message)
    customer = Customer.objects.with_email(message.from_address).first()
    if customer is None:
        name = message.from_name or message.from_address.partition("@")[0] or _("Unknown sender")
        customer = customer_create(name=name[:200], email=message.from_address, owner=by)
    message_attach(message, customer, by=by)
    return customer


def message_set_aside(message: InboundMessage, *, by) -> None:
    """Hide a message from the inbox; it stays stored."""
    waiting = (State.UNMATCHED, State.TOO_BIG)
    set_aside = InboundMessage.objects.filter(pk=message.pk, state__in=waiting).update(
        state=State.SET_ASIDE, handled_by=by, processed_at=timezone.now()
    )
    if not set_aside:
        raise NotWaiting


def message_retry(message: InboundMessage) -> None:
    """Process a failed message again, from its stored raw copy."""
    with transaction.atomic():
        retried = InboundMessage.objects.filter(pk=message.pk, state=State.FAILED).update(
            state=State.RECEIVED, reason=""
        )
        if not retried:
            raise NotWaiting
        transaction.on_commit(partial(enqueue, process_inbound, message.pk), robust=True)
