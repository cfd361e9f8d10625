"""Writes to customers: one transaction each, leaving the stored check-in date right."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

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
def customer_create(*, tags: Iterable[Tag] = (), **fields) -> Customer:
    """Create a customer with its check-in date set."""
    customer = Customer(**fields)
    customer_normalise(customer)
    customer.full_clean()
    customer.save()
    customer.tags.set(tags)
    return customer


@transaction.atomic
def customer_update(customer: Customer, *, tags: Iterable[Tag] | None = None, **fields) -> Customer:
    """Change a customer's fields; the check-in date follows when its inputs change, and a
    bouncing address that is changed is tried again."""
    for name, value in fields.items():
        setattr(customer, name, value)
    if customer.email_bouncing_since is not None:
        stored = Customer.objects.filter(pk=customer.pk).values_list("email", flat=True).first()
        if normalise_email(customer.email) != normalise_email(stored):
            customer.email_bouncing_since = None
    customer_normalise(customer)
    customer.full_clean()
    customer.save()
    if tags is not None:
        customer.tags.set(tags)
    return customer


def customers_mark_bouncing(address: str) -> int:
    """Mark the customers at ``address`` as bouncing, from a delivery report; how many."""
    return (
        Customer.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=normalise_email(address), email_bouncing_since__isnull=True)
        .exclude(email="")
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
