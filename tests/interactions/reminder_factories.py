"""Factories for reminder tests: customers that are quiet unless told, follow-ups, complaint
cases and reminders.

``QuietCustomerFactory`` gives a customer with nothing due: next check-in a month away, no
birthday, and a customer-since date half a year off so no anniversary falls in the lookahead.
Each test then sets the one thing it is about.
"""

import datetime

import factory
from django.conf import settings
from django.utils import timezone

from interactions.models import Complaint, FollowUp, Reminder
from tests.factories import CustomerFactory, UserFactory


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


class QuietCustomerFactory(CustomerFactory):
    customer_since = factory.LazyFunction(lambda: days_from_today(-3 * 365 - 180))
    next_checkin_due = factory.LazyFunction(lambda: days_from_today(30))
    birthday = None


def due_customer(owner, name, due_on, **fields):
    """A customer whose check-in falls due on ``due_on``, for a check-in reminder that day."""
    return QuietCustomerFactory(owner=owner, name=name, next_checkin_due=due_on, **fields)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    customer = factory.SubFactory(QuietCustomerFactory)
    summary = factory.Faker("sentence", nb_words=5)
    due_on = factory.LazyFunction(timezone.localdate)
    assignee = factory.LazyAttribute(lambda f: f.customer.owner or UserFactory())
    created_by = factory.SelfAttribute("assignee")


def _targets(complaint):
    respond_hours, resolve_hours = settings.COMPLAINT_TARGET_HOURS[complaint.severity]
    return (
        complaint.opened_at + datetime.timedelta(hours=respond_hours),
        complaint.opened_at + datetime.timedelta(hours=resolve_hours),
    )


class ComplaintFactory(factory.django.DjangoModelFactory):
    """An open case, unanswered, with its targets counted from ``opened_at`` by severity."""

    class Meta:
        model = Complaint

    customer = factory.SubFactory(QuietCustomerFactory)
    summary = factory.Faker("sentence", nb_words=5)
    severity = Complaint.Severity.NORMAL
    assignee = factory.LazyAttribute(lambda c: c.customer.owner)
    opened_by = factory.SelfAttribute("assignee")
    opened_at = factory.LazyFunction(timezone.now)
    respond_by = factory.LazyAttribute(lambda c: _targets(c)[0])
    resolve_by = factory.LazyAttribute(lambda c: _targets(c)[1])


class ReminderFactory(factory.django.DjangoModelFactory):
    """A check-in reminder due today for the customer's owner, as planning would make it.

    Give a customer whose next check-in is the reminder's due date (``due_customer``), or
    planning, which the digest task runs first, closes the reminder as no longer due.
    """

    class Meta:
        model = Reminder

    customer = factory.SubFactory(
        QuietCustomerFactory, next_checkin_due=factory.SelfAttribute("..due_on")
    )
    kind = Reminder.Kind.CHECK_IN
    object_id = factory.SelfAttribute("customer.pk")
    recipient = factory.LazyAttribute(lambda r: r.customer.owner)
    due_on = factory.LazyFunction(timezone.localdate)
