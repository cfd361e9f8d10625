"""The "what's changing" email: once a week, each manager hears of at most five changes, each
naming the customers behind it. Nothing to say, no email.

Each manager's email of a week is claimed by a WeeklyChanges row (unique per manager and week)
in the transaction that queues it, so two beats or two workers send it once.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.emails import render_email
from core.languages import language_of
from core.models import OutgoingEmail
from core.outbox.queue import emails_queue
from core.roles import MANAGER_GROUP
from customers.models import Customer
from interactions.models import Complaint, Interaction
from interactions.moods import mood_falls

from . import selectors
from .computing import GAP_PERIOD_DAYS
from .models import WeeklyChanges

MAX_CHANGES = 5
NAMED = 5
# A cause is growing when its last four weeks have at least this many complaints and half as
# many again as the four before.
CAUSE_GROWING_MIN = 3
CAUSE_GROWING_RATIO = 1.5
# A segment's gap has widened when it fell by at least this many points, over enough outcomes.
GAP_WIDENING_POINTS = 10
GAP_MIN_KNOWN = 10


def _named(customers) -> list[dict]:
    return [
        {"name": customer.name, "url": settings.SITE_URL + customer.get_absolute_url()}
        for customer in customers
    ]


def _customers(ids) -> list[Customer]:
    found = Customer.objects.live().only("name").in_bulk(list(ids)[:50])
    return sorted(found.values(), key=lambda customer: customer.name)[:NAMED]


def weekly_changes(now: datetime.datetime) -> list[dict]:
    """What changed, most telling first, at most MAX_CHANGES: each {"text", "customers"}."""
    changes = []
    for theme in selectors.rising_themes(limit=2):
        changes.append(
            {
                "text": _(
                    "“%(word)s” is rising: %(mentions)s mentions in the last seven days, "
                    "against about %(expected).1f a week before."
                )
                % {"word": theme.word, "mentions": theme.mentions, "expected": theme.expected},
                "customers": _named(theme.customers),
            }
        )
    half = selectors.CAUSE_WEEKS // 2
    for row in selectors.causes():
        growing = row.recent >= CAUSE_GROWING_MIN and row.recent >= CAUSE_GROWING_RATIO * max(
            row.before, 1
        )
        if row.cause and growing:
            recent = Complaint.objects.filter(
                cause=row.cause, resolved_at__gte=now - datetime.timedelta(weeks=half)
            ).values_list("customer_id", flat=True)
            changes.append(
                {
                    "text": _(
                        "More complaints come down to %(cause)s: %(recent)s in the last four "
                        "weeks against %(before)s in the four before."
                    )
                    % {"cause": row.label, "recent": row.recent, "before": row.before},
                    "customers": _named(_customers(recent)),
                }
            )
            break
    for gap in selectors.segment_gaps():
        widened = gap.change is not None and gap.change <= -GAP_WIDENING_POINTS
        if widened and gap.known >= GAP_MIN_KNOWN:
            disappointed = Interaction.objects.filter(
                outcome=Interaction.Outcome.FELL_SHORT,
                occurred_at__gte=now - datetime.timedelta(days=GAP_PERIOD_DAYS),
                customer__in=Customer.objects.in_segment(gap.key, timezone.localdate(now)),
            ).values_list("customer_id", flat=True)
            changes.append(
                {
                    "text": _(
                        "%(segment)s customers are getting less than they expect: exceeded "
                        "minus fell short went from %(before)+.0f to %(now)+.0f points."
                    )
                    % {"segment": gap.segment, "before": gap.before, "now": gap.gap},
                    "customers": _named(_customers(disappointed.distinct())),
                }
            )
            break
    fell = mood_falls(now - datetime.timedelta(days=7))
    if fell:
        changes.append(
            {
                "text": _("%(count)s customers' mood fell sharply this week.")
                % {"count": len(fell)},
                "customers": _named(_customers(f.customer_id for f in fell)),
            }
        )
    for theme in selectors.wanted_themes(limit=1):
        changes.append(
            {
                "text": _("%(count)s customers wish we offered something about “%(word)s”.")
                % {"count": theme.customers, "word": theme.word},
                "customers": _named(theme.customers),
            }
        )
    return changes[:MAX_CHANGES]


def week_of(now: datetime.datetime) -> datetime.date:
    today = timezone.localdate(now)
    return today - datetime.timedelta(days=today.weekday())


def weekly_changes_due(now: datetime.datetime) -> bool:
    local = timezone.localtime(now)
    return (
        local.weekday() == settings.INSIGHTS_WEEKLY_WEEKDAY
        and local.hour >= settings.INSIGHTS_WEEKLY_HOUR
    )


def weekly_changes_send(now: datetime.datetime | None = None) -> int:
    """On its day, from its hour: email each active manager this week's changes, once; returns
    how many emails were queued."""
    now = now or timezone.now()
    if not weekly_changes_due(now):
        return 0
    week = week_of(now)
    managers = (
        get_user_model()
        .objects.filter(groups__name=MANAGER_GROUP, is_active=True)
        .exclude(email="")
        .exclude(weeklychanges__week_of=week)
        .distinct()
    )
    changes = None
    queued = 0
    for manager in managers:
        try:
            with transaction.atomic():
                claim = WeeklyChanges.objects.create(week_of=week, manager=manager)
                if changes is None:
                    changes = weekly_changes(now)
                claim.changes = changes
                claim.save(update_fields=["changes"])
                if changes:
                    rendered = render_email(
                        "weekly-changes",
                        {"changes": changes, "manager": manager, "week_of": week},
                        language=language_of(manager),
                    )
                    emails_queue(
                        [
                            OutgoingEmail(
                                kind="weekly-changes",
                                to=manager.email,
                                person=manager,
                                about=claim,
                                **rendered,
                            )
                        ]
                    )
                    queued += 1
        except IntegrityError:
            continue  # another beat or worker claimed it first
    return queued
