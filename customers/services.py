"""Writes to customers: one transaction each, leaving the stored check-in date right."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.events import emit

from .models import Customer, Tag
from .phones import phone_e164

# Fields whose change moves the next check-in date.
CHECKIN_INPUTS = {"last_contact_at", "customer_since", "segment", "checkin_cadence_days"}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def refresh_next_checkin(customer: Customer) -> None:
    """Recompute the stored next check-in date from its inputs (does not save)."""
    customer.next_checkin_due = customer.compute_next_checkin_due()


def customer_normalise(customer: Customer) -> None:
    """What Rapport derives from what was typed, on every write: the email as compared, the
    phone as searched, the next check-in from its inputs."""
    customer.email = normalise_email(customer.email)
    refresh_phone(customer)
    refresh_next_checkin(customer)


def refresh_phone(customer: Customer) -> None:
    """The phone as searched, from the phone as typed (does not save)."""
    customer.phone_e164 = phone_e164(customer.phone) if customer.phone else ""


@transaction.atomic
def customer_create(
    *,
    tags: Iterable[Tag] = (),
    marketing_consent: bool = False,
    consent_by: AbstractBaseUser | None = None,
    **fields,
) -> Customer:
    """Create a customer with its check-in date set; ``marketing_consent`` records their consent
    as staff recorded it on the profile form (by ``consent_by``)."""
    customer = Customer(**fields)
    customer_normalise(customer)
    if marketing_consent:
        consent_apply(customer, True, source=Customer.ConsentSource.PROFILE, by=consent_by)
    customer.full_clean()
    customer.save()
    customer.tags.set(tags)
    emit("customer.created", customer)
    return customer


# The audit trail's reason for a change the customer asked for (the right to rectification).
CORRECTION_REASON = "Corrected at the customer's request"


@transaction.atomic
def customer_update(
    customer: Customer,
    *,
    tags: Iterable[Tag] | None = None,
    marketing_consent: bool | None = None,
    consent_by: AbstractBaseUser | None = None,
    change_reason: str = "",
    **fields,
) -> Customer:
    """Change a customer's fields; the check-in date follows when its inputs change, and a
    bouncing address that is changed is tried again. ``marketing_consent`` (None: as it is)
    records or withdraws consent as the profile form's checkbox does, in the same save;
    ``change_reason`` goes in the audit trail beside the change."""
    for name, value in fields.items():
        setattr(customer, name, value)
    if customer.email_bouncing_since is not None:
        stored = Customer.objects.filter(pk=customer.pk).values_list("email", flat=True).first()
        if normalise_email(customer.email) != normalise_email(stored):
            customer.email_bouncing_since = None
    customer_normalise(customer)
    if marketing_consent is not None:
        consent_apply(
            customer, marketing_consent, source=Customer.ConsentSource.PROFILE, by=consent_by
        )
    customer.full_clean()
    if change_reason:
        customer._change_reason = change_reason
    customer.save()
    if tags is not None:
        customer.tags.set(tags)
    emit("customer.updated", customer)
    return customer


# Marketing consent ----------------------------------------------------------------------------

CONSENT_FIELDS = (
    "marketing_consent_at",
    "marketing_consent_source",
    "marketing_consent_by",
    "marketing_consent_withdrawn_at",
)


def consent_apply(
    customer: Customer,
    agrees: bool,
    *,
    source: str = "",
    by: AbstractBaseUser | None = None,
    at: datetime.datetime | None = None,
) -> bool:
    """Put consent given (``agrees``) or withdrawn on the customer, without saving; False if
    that changes nothing.

    Consent already given stands as first recorded, with its date and source. A withdrawal
    clears it and stamps when, even for someone never asked: they said no, and that is worth
    knowing before anyone asks again.
    """
    at = at or timezone.now()
    if agrees:
        if customer.marketing_consent_at is not None:
            return False
        customer.marketing_consent_at = at
        customer.marketing_consent_source = source
        customer.marketing_consent_by = by
        customer.marketing_consent_withdrawn_at = None
        return True
    if customer.marketing_consent_at is None and customer.marketing_consent_withdrawn_at:
        return False
    customer.marketing_consent_at = None
    customer.marketing_consent_source = ""
    customer.marketing_consent_by = None
    customer.marketing_consent_withdrawn_at = at
    return True


def _consent_save(customer: Customer, agrees: bool, *, reason: str, **how) -> bool:
    # The row is locked and read afresh, so two confirmations at once record consent once,
    # and a stale copy of the customer cannot undo a change made meanwhile.
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = consent_apply(locked, agrees, **how)
    if changed:
        others = [f.name for f in Customer._meta.fields if f.name not in CONSENT_FIELDS]
        locked.clean_fields(exclude=others)
        locked._change_reason = reason
        if how.get("by") is not None:
            locked._history_user = how["by"]
        locked.save(update_fields=[*CONSENT_FIELDS, "updated_at"])
    for name in (*CONSENT_FIELDS, "updated_at"):
        setattr(customer, name, getattr(locked, name))
    return changed


@transaction.atomic
def customer_consent_record(
    customer: Customer,
    *,
    source: str,
    by: AbstractBaseUser | None = None,
    at: datetime.datetime | None = None,
) -> bool:
    """Record that the customer agrees to marketing email, through ``source`` (a
    Customer.ConsentSource), by ``by`` if staff; False when they had agreed already."""
    reason = f"Marketing consent recorded: {Customer.ConsentSource(source).label}"
    return _consent_save(customer, True, reason=reason, source=source, by=by, at=at)


@transaction.atomic
def customer_consent_withdraw(customer: Customer, *, at: datetime.datetime | None = None) -> bool:
    """Record that the customer wants no marketing email; their service email goes on as
    before (email_opt_out is left as it is). False when it was withdrawn already."""
    return _consent_save(customer, False, reason="Marketing consent withdrawn", at=at)


def customers_mark_bouncing(address: str) -> int:
    """Mark the customers at ``address`` as bouncing, from a delivery report; how many."""
    return (
        Customer.objects.with_email(address)
        .filter(email_bouncing_since__isnull=True)
        .update(email_bouncing_since=timezone.now())
    )


def customer_archive(customer: Customer) -> Customer:
    """Take a customer out of lists and reminders; nothing about them is deleted."""
    if customer.archived_at is None:
        customer.archived_at = timezone.now()
        customer.save(update_fields=["archived_at", "updated_at"])
    return customer


def customer_restore(customer: Customer) -> Customer:
    if customer.archived_at is not None:
        customer.archived_at = None
        customer.save(update_fields=["archived_at", "updated_at"])
    return customer


def customers_reassign(*, customer_ids: Iterable[int], owner: AbstractBaseUser | None) -> int:
    """Give every listed customer a new owner; returns how many changed."""
    return Customer.objects.filter(pk__in=list(customer_ids)).update(
        owner=owner, updated_at=timezone.now()
    )
