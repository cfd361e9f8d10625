"""Planning reminders, and what staff do with them: done, snooze, dismiss.

Planning is set-based: one query per kind finds what is due and has no reminder yet, one bulk
insert creates them. Every query walks an index on the due date, so its cost follows the
number due, not the number of customers. The unique constraint makes a second run, or two
beats at once, add nothing.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import emit
from customers.models import Customer
from interactions.escalations import RESOLVE, RESPOND, escalations_queue
from interactions.follow_ups.services import followup_done
from interactions.models import Complaint, FollowUp, Interaction, Reminder
from interactions.services import interaction_log

logger = logging.getLogger(__name__)

BIRTHDAY, ANNIVERSARY = "birthday", "anniversary"


def _key(reminder):
    return (reminder.kind, reminder.object_id, reminder.detail, reminder.due_on)


def _only_new(reminders):
    """Drop candidates that already have their reminder: one query per kind, on the ids due."""
    by_kind = {}
    for reminder in reminders:
        by_kind.setdefault(reminder.kind, []).append(reminder)
    new = []
    for kind, candidates in by_kind.items():
        existing = set(
            Reminder.objects.filter(
                kind=kind, object_id__in={r.object_id for r in candidates}
            ).values_list("kind", "object_id", "detail", "due_on")
        )
        new += [r for r in candidates if _key(r) not in existing]
    return new


def _checkins(today):
    customers = Customer.objects.due_for_checkin(today).filter(owner__isnull=False)
    for pk, owner_id, due in customers.values_list("pk", "owner_id", "next_checkin_due"):
        yield Reminder(
            kind=Reminder.Kind.CHECK_IN,
            object_id=pk,
            customer_id=pk,
            recipient_id=owner_id,
            due_on=due,
        )


def _follow_ups(today):
    follow_ups = FollowUp.objects.needing_attention(today).filter(
        customer__archived_at__isnull=True
    )
    for pk, customer_id, assignee_id, due in follow_ups.values_list(
        "pk", "customer_id", "assignee_id", "due_on"
    ):
        yield Reminder(
            kind=Reminder.Kind.FOLLOW_UP,
            object_id=pk,
            customer_id=customer_id,
            recipient_id=assignee_id,
            due_on=due,
        )


def _complaint_targets(now):
    horizon = now + datetime.timedelta(hours=settings.COMPLAINT_TARGET_NOTICE_HOURS)
    open_cases = Complaint.objects.open().filter(assignee__isnull=False)
    targets = (
        (RESPOND, "respond_by", open_cases.filter(first_response_at__isnull=True)),
        (RESOLVE, "resolve_by", open_cases),
    )
    for detail, field, cases in targets:
        rows = cases.filter(**{f"{field}__lte": horizon}).values_list(
            "pk", "customer_id", "assignee_id", field
        )
        for pk, customer_id, assignee_id, target in rows:
            yield Reminder(
                kind=Reminder.Kind.COMPLAINT_TARGET,
                object_id=pk,
                detail=detail,
                customer_id=customer_id,
                recipient_id=assignee_id,
                due_on=timezone.localdate(target),
            )


def _month_days(start, days):
    """(month, day, date) for each day from ``start``; 29 February counts on the 28th in
    years without one."""
    for offset in range(days + 1):
        date = start + datetime.timedelta(days=offset)
        yield date.month, date.day, date
        if (date.month, date.day) == (2, 28) and not _is_leap(date.year):
            yield 2, 29, date


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _key_dates(today):
    window = list(_month_days(today, settings.KEY_DATE_LOOKAHEAD_DAYS))
    live = Customer.objects.live().filter(owner__isnull=False)
    for detail, field in ((BIRTHDAY, "birthday"), (ANNIVERSARY, "customer_since")):
        match = Q()
        for month, day, _date in window:
            match |= Q(**{f"{field}__month": month, f"{field}__day": day})
        rows = live.filter(match).values_list("pk", "owner_id", field)
        when = {(month, day): date for month, day, date in window}
        for pk, owner_id, value in rows:
            due = when[(value.month, value.day)]
            if detail == ANNIVERSARY and value.year >= due.year:
                continue  # they became a customer this year: no anniversary yet
            yield Reminder(
                kind=Reminder.Kind.KEY_DATE,
                object_id=pk,
                detail=detail,
                customer_id=pk,
                recipient_id=owner_id,
                due_on=due,
            )


def close_stale_reminders(now: datetime.datetime) -> int:
    """Mark done the live reminders whose reason went away: the customer was contacted or
    archived, the follow-up was done, the complaint was answered or resolved."""
    live = Reminder.objects.filter(state__in=Reminder.LIVE_STATES)
    done = {"state": Reminder.State.DONE, "done_at": now}
    open_cases = Complaint.objects.open().filter(pk=OuterRef("object_id"))
    return sum(
        (
            live.filter(kind=Reminder.Kind.CHECK_IN)
            .filter(
                Q(customer__archived_at__isnull=False)
                | Q(customer__next_checkin_due__gt=F("due_on"))
            )
            .update(**done),
            live.filter(kind=Reminder.Kind.FOLLOW_UP)
            .filter(
                Exists(FollowUp.objects.filter(pk=OuterRef("object_id"), done_at__isnull=False))
            )
            .update(**done),
            live.filter(kind=Reminder.Kind.COMPLAINT_TARGET, detail=RESPOND)
            .exclude(Exists(open_cases.filter(first_response_at__isnull=True)))
            .update(**done),
            live.filter(kind=Reminder.Kind.COMPLAINT_TARGET, detail=RESOLVE)
            .exclude(Exists(open_cases))
            .update(**done),
        )
    )


def follow_reassignments() -> int:
    """Hand live reminders to whoever is now responsible: the customer's owner after a
    reassignment, the case's or follow-up's assignee after a handover. The unique key leaves
    the recipient out, so planning alone would leave them with the previous person."""
    live = Reminder.objects.filter(state__in=Reminder.LIVE_STATES)
    K = Reminder.Kind
    moves = (
        ((K.CHECK_IN, K.KEY_DATE), Customer, "customer_id", "owner_id"),
        ((K.FOLLOW_UP,), FollowUp, "object_id", "assignee_id"),
        (Reminder.COMPLAINT_KINDS, Complaint, "object_id", "assignee_id"),
    )
    moved = 0
    for kinds, model, key, person in moves:
        responsible = model.objects.filter(pk=OuterRef(key)).values(person)[:1]
        moved += (
            live.filter(kind__in=kinds)
            .annotate(responsible=responsible)
            .filter(responsible__isnull=False)
            .exclude(recipient_id=F("responsible"))
            .update(recipient_id=Subquery(responsible))
        )
    return moved


# A follow-up is told overdue by every run for this many days after its due date, so one that
# went overdue while planning was stopped is still told; its event id makes the repeats nothing.
OVERDUE_CATCH_UP_DAYS = 2


def _tell_what_fell_due(reminders: list[Reminder], today: datetime.date) -> None:
    """Tell listeners (core.events) of each check-in and follow-up that fell due, and each
    follow-up gone overdue: once per item and due date, however many runs see it."""
    check_ins = {r.object_id: r.due_on for r in reminders if r.kind == Reminder.Kind.CHECK_IN}
    if check_ins:
        customers = Customer.objects.select_related("owner").prefetch_related("tags")
        for customer in customers.filter(pk__in=check_ins):
            due = check_ins[customer.pk]
            emit("checkin.overdue", customer, event_id=f"checkin.overdue:{customer.pk}:{due}")
    fell_due = [r.object_id for r in reminders if r.kind == Reminder.Kind.FOLLOW_UP]
    overdue = FollowUp.objects.overdue(today).filter(
        due_on__gte=today - datetime.timedelta(days=OVERDUE_CATCH_UP_DAYS),
        customer__archived_at__isnull=True,
    )
    follow_ups = FollowUp.objects.filter(Q(pk__in=fell_due) | Q(pk__in=overdue.values("pk")))
    for follow_up in follow_ups.select_related("customer", "assignee"):
        name = "follow_up.due" if follow_up.due_on >= today else "follow_up.overdue"
        emit(name, follow_up, event_id=f"{name}:{follow_up.pk}:{follow_up.due_on}")


def plan_reminders(now: datetime.datetime | None = None) -> int:
    """Create the reminders that are due and do not exist yet; returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reminders = _only_new(
        [*_checkins(today), *_follow_ups(today), *_complaint_targets(now), *_key_dates(today)]
    )
    # ignore_conflicts: another planner running at the same moment may have inserted the same
    # row between our query and this insert; the unique constraint settles it.
    with transaction.atomic():
        close_stale_reminders(now)
        follow_reassignments()
        Reminder.objects.bulk_create(reminders, ignore_conflicts=True, batch_size=2000)
        escalations_queue(now)
        _tell_what_fell_due(reminders, today)
    return len(reminders)


def reminders_for(user, today: datetime.date):
    """What asks for this person's attention today: due, not done, not snoozed past today."""
    return (
        Reminder.objects.filter(recipient=user, state__in=Reminder.LIVE_STATES, due_on__lte=today)
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today))
        .select_related("customer")
        .order_by("due_on", "id")
    )


@transaction.atomic
def reminder_done(reminder: Reminder, *, user, summary: str = "") -> Reminder:
    """Done: a check-in is logged (restarting the clock) with what was said, if given; a
    follow-up is marked done."""
    locked = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if locked.state not in Reminder.LIVE_STATES:
        return locked
    if locked.kind == Reminder.Kind.CHECK_IN:
        interaction_log(
            customer=locked.customer,
            author=user,
            kind=Interaction.Kind.CHECK_IN,
            summary=summary.strip() or _("Checked in"),
            initiated_by=Interaction.Initiator.US,
        )
    elif locked.kind == Reminder.Kind.FOLLOW_UP:
        follow_up = FollowUp.objects.filter(pk=locked.object_id).first()
        if follow_up is not None:
            followup_done(follow_up)
    locked.state, locked.done_at = Reminder.State.DONE, timezone.now()
    locked.save(update_fields=["state", "done_at"])
    return locked


def reminder_snooze(reminder: Reminder, *, until: datetime.date) -> Reminder:
    """Hide it until ``until``; it comes back that morning, in My day and the digest."""
    if until <= timezone.localdate():
        raise ValidationError({"until": _("Choose a day after today.")})
    if reminder.state not in Reminder.LIVE_STATES:
        raise ValidationError(_("This reminder is already closed."))
    reminder.state, reminder.snoozed_until = Reminder.State.SNOOZED, until
    reminder.save(update_fields=["state", "snoozed_until"])
    return reminder


def reminder_dismiss(reminder: Reminder, *, reason: str, by=None) -> Reminder:
    """Set it aside for good, saying why (kept for the record, and shown on the profile)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you are dismissing it.")})
    if reminder.state not in Reminder.LIVE_STATES:
        raise ValidationError(_("This reminder is already closed."))
    reminder.state, reminder.dismissed_reason = Reminder.State.DISMISSED, reason[:200]
    reminder.dismissed_at, reminder.dismissed_by = timezone.now(), by
    reminder.save(update_fields=["state", "dismissed_reason", "dismissed_at", "dismissed_by"])
    return reminder
