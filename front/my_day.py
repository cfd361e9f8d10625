"""What My day lists: each thing due once, in the card that has its actions.

A check-in or follow-up has its own card, so the reminders card keeps the other kinds. A
check-in's row carries its reminder, so snoozing or dismissing it there hides the customer
until the reminder says otherwise.
"""

import datetime

from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, When

from customers.models import Customer
from interactions.models import Complaint, FollowUp, Reminder
from interactions.reminders.planning import reminders_for

# Promises due within this many days after today have their own short list.
PROMISES_AHEAD_DAYS = 7
OWN_CARDS = (Reminder.Kind.CHECK_IN, Reminder.Kind.FOLLOW_UP)


def other_reminders(user, today: datetime.date):
    """Reminders due that no other card of My day shows: complaint targets and key dates."""
    return reminders_for(user, today).exclude(kind__in=OWN_CARDS)


def checkins_due(user, today: datetime.date):
    """The user's customers due a check-in, each with ``reminder_id``, its live reminder if
    planning has made one. One whose reminder is snoozed past today or dismissed is left out."""
    this_checkin = Reminder.objects.filter(
        kind=Reminder.Kind.CHECK_IN,
        object_id=OuterRef("pk"),
        due_on=OuterRef("next_checkin_due"),
    )
    showing = Q(state__in=Reminder.LIVE_STATES) & (
        Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today)
    )
    # A check-in has at most one reminder per due date, so "no hidden one" is "a visible one or
    # none yet"; the count, which leaves the annotation out, is then one anti-join.
    return (
        Customer.objects.owned_by(user)
        .due_for_checkin(today)
        .filter(~Exists(this_checkin.exclude(showing)))
        .annotate(reminder_id=Subquery(this_checkin.filter(showing).values("pk")[:1]))
        .order_by("next_checkin_due", "id")
    )


def follow_ups_due(user, today: datetime.date):
    return (
        FollowUp.objects.assigned_to(user)
        .needing_attention(today)
        .select_related("customer")
        .order_by("due_on", "id")
    )


def promises_coming_up(user, today: datetime.date):
    """Open promises due in the next few days, soonest first."""
    return (
        FollowUp.objects.assigned_to(user)
        .open()
        .promises()
        .filter(due_on__gt=today, due_on__lte=today + datetime.timedelta(days=PROMISES_AHEAD_DAYS))
        .select_related("customer")
        .order_by("due_on", "id")
    )


def open_complaints(user):
    """Open cases assigned to the user, the one whose current target falls due first on top:
    the response target until someone responds, then the resolution target."""
    return (
        Complaint.objects.open()
        .assigned_to(user)
        .select_related("customer")
        .annotate(
            next_target=Case(
                When(first_response_at__isnull=True, then=F("respond_by")),
                default=F("resolve_by"),
            )
        )
        .order_by("next_target", "id")
    )
