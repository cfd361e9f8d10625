"""Writes to the timeline: interactions. Follow-ups and complaints have packages of their own."""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import emit
from customers.models import Customer
from customers.services import refresh_next_checkin

from . import stats
from .models import Interaction, Reminder
from .signals import customer_experience_changed

# A clock a little ahead of the server's should not make "now" count as the future.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
# Back-dating stops here: an earlier year is a slip, and a time near the first day Python has
# cannot be shown in the business's time zone (it falls before year 1 west of UTC).
EARLIEST_OCCURRED_AT = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


def _refuse_out_of_range(occurred_at: datetime.datetime) -> None:
    if occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError(
            {"occurred_at": _("That time is in the future: log what has already happened.")}
        )
    if occurred_at < EARLIEST_OCCURRED_AT:
        raise ValidationError({"occurred_at": _("That is before 1900: check the year.")})


# What the next check-in date is counted from, besides the last contact.
CADENCE_INPUTS = ("customer_since", "segment", "checkin_cadence_days")


def refresh_last_contact(customer: Customer, *, logged_at=None) -> None:
    """Set the customer's last contact, and with it the next check-in date, in the database and
    on ``customer``.

    A newly logged contact (``logged_at``) only ever moves it forward: a back-dated entry never
    undoes a later contact, wherever that was recorded. A correction (no ``logged_at``)
    recomputes it from the customer-facing interactions. Like the loyalty score, these are
    figures derived from the timeline, so they leave the customer's audit trail alone: the
    interaction that moved them is in it."""
    if logged_at is not None:
        # Moved only if no later contact is recorded and the cadence it was counted with is
        # still the row's, so two staff logging at once both count without a lock.
        moved = Customer(
            pk=customer.pk,
            last_contact_at=logged_at,
            **{name: getattr(customer, name) for name in CADENCE_INPUTS},
        )
        if _store_last_contact(moved, guarded=True):
            customer.last_contact_at = moved.last_contact_at
            customer.next_checkin_due = moved.next_checkin_due
            return
    # A later contact, a cadence changed meanwhile, or a correction: count from the locked row.
    current = Customer.objects.select_for_update().only(
        "last_contact_at", "next_checkin_due", *CADENCE_INPUTS
    )
    current = current.get(pk=customer.pk)
    if logged_at is not None:
        latest = max(filter(None, (logged_at, current.last_contact_at)))
    else:
        latest = (
            Interaction.objects.filter(customer_id=customer.pk)
            .customer_facing()
            .aggregate(latest=Max("occurred_at"))["latest"]
        )
    if latest is not None and latest != current.last_contact_at:
        current.last_contact_at = latest
        _store_last_contact(current, guarded=False)
    customer.last_contact_at = current.last_contact_at
    customer.next_checkin_due = current.next_checkin_due


# One statement, since logging contact runs it for every email filed (bench/FINDINGS.md, round
# 11): the customer's row moves, and then the check-in they were due is done, so it leaves My
# day and the next digest at once. Guarded, the row moves only if its last contact is earlier
# and its cadence inputs are the ones the date was counted with.
_STORE_LAST_CONTACT = f"""
WITH moved AS (
    UPDATE {Customer._meta.db_table}
    SET last_contact_at = %(last_contact_at)s, next_checkin_due = %(due)s, updated_at = %(now)s
    WHERE id = %(id)s AND (
        NOT %(guarded)s OR (
            (last_contact_at IS NULL OR last_contact_at < %(last_contact_at)s)
            AND customer_since IS NOT DISTINCT FROM %(customer_since)s
            AND segment IS NOT DISTINCT FROM %(segment)s
            AND checkin_cadence_days IS NOT DISTINCT FROM %(checkin_cadence_days)s
        )
    )
    RETURNING id
), done AS (
    UPDATE {Reminder._meta.db_table} SET state = %(done)s, done_at = %(now)s
    WHERE object_id IN (SELECT id FROM moved)
        AND kind = %(check_in)s AND state = ANY(%(live)s) AND due_on < %(due)s
)
SELECT count(*) FROM moved
"""


def _store_last_contact(customer: Customer, *, guarded: bool) -> bool:
    """Store ``customer``'s last contact and the check-in date it gives: whether its row moved."""
    refresh_next_checkin(customer)
    with connection.cursor() as cursor:
        cursor.execute(
            _STORE_LAST_CONTACT,
            {
                "id": customer.pk,
                "last_contact_at": customer.last_contact_at,
                "due": customer.next_checkin_due,
                "now": timezone.now(),
                "guarded": guarded,
                **{name: getattr(customer, name) for name in CADENCE_INPUTS},
                "done": Reminder.State.DONE,
                "check_in": Reminder.Kind.CHECK_IN,
                "live": list(Reminder.LIVE_STATES),
            },
        )
        (moved,) = cursor.fetchone()
    return bool(moved)


def interaction_log(*, customer: Customer, author, summary: str, **fields) -> Interaction:
    """Log a touch with a customer; a customer-facing one restarts the keep-in-touch clock."""
    interaction = Interaction(customer=customer, author=author, summary=summary, **fields)
    _refuse_out_of_range(interaction.occurred_at)
    # The customer and author are rows the caller holds, and the satisfaction's range is its
    # field's choices: checking them again in the database cost three queries an interaction,
    # a quarter of filing an email (bench/FINDINGS.md, round 9).
    interaction.full_clean(exclude=["customer", "author"], validate_constraints=False)
    # Validated before anything is written, so a refusal leaves the caller's transaction as it
    # was; a database error inside spoils it anyway, so a savepoint of its own buys nothing.
    with transaction.atomic(savepoint=False):
        interaction.save()
        stats.recount_closed_day(interaction.occurred_at)
        if interaction.is_customer_facing:
            refresh_last_contact(customer, logged_at=interaction.occurred_at)
        emit("interaction.logged", interaction)
        customer_experience_changed.send(sender=Interaction, customer_id=customer.pk)
    return interaction


@transaction.atomic
def interaction_update(interaction: Interaction, **fields) -> Interaction:
    """Correct an interaction; the customer's last contact follows if its time or kind changed."""
    occurred_before = interaction.occurred_at
    for name, value in fields.items():
        setattr(interaction, name, value)
    _refuse_out_of_range(interaction.occurred_at)
    interaction.full_clean()
    interaction.save()
    for when in {occurred_before, interaction.occurred_at}:
        stats.recount_closed_day(when)
    refresh_last_contact(interaction.customer)
    customer_experience_changed.send(sender=Interaction, customer_id=interaction.customer_id)
    return interaction
