"""Filing a stored message: automatic mail is ignored, a customer's email and a member of
staff's email to customers go on their timelines, and the rest waits for a person."""

import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core.errors import describe
from customers.models import Customer
from interactions.complaints.services import complaint_customer_replied
from interactions.models import Interaction
from interactions.services import interaction_log
from voice.services import author_for

from . import threads
from .bounces import bounces_record
from .models import InboundMessage
from .parsing import ParsedEmail, parse

State = InboundMessage.State
# A message left received this long was not queued (the broker was down) or its worker died.
STRANDED_AFTER = datetime.timedelta(minutes=1)
# A Date header further from the time it arrived than this is not believed.
_DATE_SLACK_BEFORE = datetime.timedelta(days=30)
_DATE_SLACK_AFTER = datetime.timedelta(minutes=5)


def message_process(message_id: int) -> str | None:
    """File one received message, once: the state it is left in, or None if it was not waiting."""
    with transaction.atomic():
        _commit_without_waiting()
        message = (
            InboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, state=State.RECEIVED)
            .first()
        )
        if message is None:
            return None
        try:
            with transaction.atomic():
                _file(message)
        except Exception as error:
            message.state, message.reason = State.FAILED, describe(error)
        message.processed_at = timezone.now()
        message.save(update_fields=["state", "reason", "processed_at", *_READ_FIELDS])
    return message.state


def _commit_without_waiting() -> None:
    """Filing is redone from the stored message if it is lost: the raw message was committed,
    and waited for, when it arrived, and a message whose filing a crash lost is still received,
    so the sweep for stranded messages files it again. Its commit need not wait for the disk."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def messages_process_stranded() -> int:
    waiting = InboundMessage.objects.filter(
        state=State.RECEIVED, received_at__lt=timezone.now() - STRANDED_AFTER
    ).values_list("pk", flat=True)
    return sum(message_process(pk) is not None for pk in list(waiting[:500]))


_READ_FIELDS = ["from_address", "from_name", "subject", "excerpt"]
EXCERPT_LENGTH = 300


def read(message: InboundMessage) -> ParsedEmail:
    """Parse the stored raw message, and keep on it what the pages show. An email a member of
    staff forwarded is read as the original sender's: it is theirs, not the forwarder's."""
    parsed = parse(bytes(message.raw))
    if parsed.forwarded and _staff(parsed.sender):
        parsed = parsed.forwarded.as_email(parsed)
    message.from_address = parsed.sender[:320]
    message.from_name = parsed.sender_name
    message.subject = parsed.subject
    message.excerpt = Truncator(parsed.text).chars(EXCERPT_LENGTH)
    return parsed


def _file(message: InboundMessage) -> None:
    parsed = read(message)
    if parsed.automatic:
        message.state, message.reason = State.IGNORED, parsed.automatic
        bounced = bounces_record(bytes(message.raw))
        if bounced:
            message.reason += "; " + _("marked as bouncing: %(addresses)s") % {
                "addresses": ", ".join(bounced)
            }
        return
    customer = _customers([parsed.sender])[:1]
    if customer:
        (customer,) = customer
        forwarder = _staff(parsed.forwarded_by) if parsed.forwarded_by else None
        log_on_timeline(
            message,
            parsed,
            customer,
            forwarder or author_for(customer),
            Interaction.Initiator.CUSTOMER,
        )
        case = threads.case_replied_to(message, parsed, customer)
        if case is not None and not forwarder:
            complaint_customer_replied(case, text=parsed.text or parsed.subject)
        return
    if parsed.forwarded_by:
        # Forwarded by staff from someone who is not a customer: a person decides.
        message.state = State.UNMATCHED
        return
    staff = _staff(parsed.sender)
    addressed = _customers(parsed.recipients) if staff and parsed.sender else []
    if not addressed:
        message.state = State.UNMATCHED
        return
    for customer in addressed:
        log_on_timeline(message, parsed, customer, staff, Interaction.Initiator.US)


def _staff(address: str):
    """The active member of staff with this address, or None."""
    if not address:
        return None
    return (
        get_user_model()
        .objects.alias(email_lower=Lower("email"))
        .filter(email_lower=address, is_active=True)
        .exclude(email="")
        .first()
    )


def _customers(addresses: list[str]) -> list[Customer]:
    if not any(addresses):
        return []
    return list(Customer.objects.select_related("owner").with_email(*addresses).order_by("pk"))


def log_on_timeline(message, parsed: ParsedEmail, customer, author, initiated_by) -> Interaction:
    """Log the message as an email interaction on ``customer``'s timeline, and mark it filed."""
    if author is None:
        raise ValueError(_("No active manager to log it as: add one, then process it again."))
    interaction = interaction_log(
        customer=customer,
        author=author,
        kind=Interaction.Kind.EMAIL,
        channel=Interaction.Channel.EMAIL,
        occurred_at=_occurred_at(parsed, message.received_at),
        summary=Truncator(parsed.subject or _("(no subject)")).chars(200),
        details=_details(parsed),
        initiated_by=initiated_by,
    )
    message.interactions.add(interaction)
    message.state = State.FILED
    return interaction


def _occurred_at(parsed: ParsedEmail, received_at) -> datetime.datetime:
    sent_at = parsed.sent_at
    if sent_at and received_at - _DATE_SLACK_BEFORE <= sent_at <= received_at + _DATE_SLACK_AFTER:
        return sent_at
    return received_at


def _details(parsed: ParsedEmail) -> str:
    lines = [parsed.text]
    if parsed.attachments:
        lines.append(
            _("Attachments: %(list)s")
            % {
                "list": ", ".join(
                    f"{attachment.name} ({attachment.size:,} bytes)"
                    for attachment in parsed.attachments
                )
            }
        )
    return "\n\n".join(line for line in lines if line)
