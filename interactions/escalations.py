"""Escalations: the managers hear at once when a complaint target is breached, once a breach."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from core.emails import render_email
from core.events import emit
from core.languages import languages_of
from core.models import OutgoingEmail
from core.outbox.queue import emails_queue
from core.roles import MANAGER_GROUP

from .models import Complaint, Reminder

RESPOND, RESOLVE = "respond", "resolve"


def target_breached(now: datetime.datetime) -> Q:
    """Complaint-target reminders whose case is still open and past that target at ``now``."""
    cases = Complaint.objects.open().filter(pk=OuterRef("object_id"))
    unanswered = cases.filter(first_response_at__isnull=True, respond_by__lt=now)
    overdue = cases.filter(resolve_by__lt=now)
    return Q(kind=Reminder.Kind.COMPLAINT_TARGET) & (
        (Q(detail=RESPOND) & Exists(unanswered)) | (Q(detail=RESOLVE) & Exists(overdue))
    )


def escalations_queue(now: datetime.datetime) -> int:
    """Queue an email to every manager for each target newly breached at ``now``; returns how
    many breaches. Each is claimed by its reminder's ``escalated_at``, in the caller's
    transaction, so two planners at once escalate it once."""
    breached = (
        Reminder.objects.filter(target_breached(now), escalated_at__isnull=True)
        .select_for_update(skip_locked=True)
        .select_related("customer")
    )
    reminders = list(breached)
    if not reminders:
        return 0
    Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(escalated_at=now)
    managers = list(
        get_user_model()
        .objects.filter(groups__name=MANAGER_GROUP, is_active=True)
        .exclude(email="")
        .distinct()
    )
    complaints = Complaint.objects.select_related("assignee", "customer").in_bulk(
        [r.object_id for r in reminders]
    )
    languages = languages_of(managers)
    emails = []
    for reminder in reminders:
        complaint = complaints[reminder.object_id]
        context = {
            "complaint": complaint,
            "reminder": reminder,
            "target": RESPOND if reminder.detail == RESPOND else RESOLVE,
            "complaint_url": settings.SITE_URL + complaint.get_absolute_url(),
        }
        emails += [
            OutgoingEmail(
                kind="escalation",
                to=m.email,
                person=m,
                about=complaint,
                **render_email("escalation", context, language=languages[m.pk]),
            )
            for m in managers
        ]
        # Once a target and its date: the same breach is never told twice.
        breach = f"complaint.breached:{complaint.pk}:{reminder.detail}:{reminder.due_on}"
        emit("complaint.breached", complaint, event_id=breach)
    emails_queue(emails)
    return len(reminders)
