"""Factories for reminder tests: customers that are quiet unless told, follow-ups, complaint
cases and reminders.

``QuietCustomerFactory`` gives a customer with nothing due: next check-in a month away, no
birthday, and a customer-since date half a year off so no anniversary falls in the lookahead.
Each test then sets the one thing it is about.
"""

import datetime

import factory
from django.utils import timezone

from interactions.models import Reminder
from tests.factories import CustomerFactory

from . import factories, factories_timeline


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


class QuietCustomerFactory(CustomerFactory):
    customer_since = factory.LazyFunction(lambda: days_from_today(-3 * 365 - 180))
    next_checkin_due = factory.LazyFunction(lambda: days_from_today(30))
    birthday = None


def due_customer(owner, name, due_on, **fields):
    """A customer whose check-in falls due on ``due_on``, for a check-in reminder that day."""
    return QuietCustomerFactory(owner=owner, name=name, next_checkin_due=due_on, **fields)


class FollowUpFactory(factories_timeline.FollowUpFactory):
    customer = factory.SubFactory(QuietCustomerFactory)
    due_on = factory.LazyFunction(timezone.localdate)


class ComplaintFactory(factories.ComplaintFactory):
    """An open case, unanswered, with its targets counted from ``opened_at`` by severity."""

    customer = factory.SubFactory(QuietCustomerFactory)
    interaction = None
    opened_by = factory.SelfAttribute("assignee")


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
