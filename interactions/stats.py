"""Keeps InteractionDayCount exact, so the dashboard never reads a year of interactions.

The summary holds every day up to ``counted_through()``; the dashboard counts the days after
it live, so nothing is missed if the periodic refresh has not run for a while, and an
interaction logged now shows at once. A back-dated or corrected interaction on a summarised day
recounts that day straight away.
"""

import datetime

from django.db import transaction
from django.db.models import Count, Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.dates import start_of_day

from .models import Interaction, InteractionDayCount, InteractionDaysCounted

# Today and yesterday are never summarised: they still change as people log what happened.
LIVE_DAYS = 2


def counted_through() -> datetime.date | None:
    """The last day the summary holds, or None before the first refresh."""
    return InteractionDaysCounted.objects.values_list("through", flat=True).first()


@transaction.atomic
def recount_days(first: datetime.date, last: datetime.date) -> int:
    """Recount the local days from ``first`` to ``last`` inclusive; returns the rows written."""
    rows = (
        Interaction.objects.filter(
            occurred_at__gte=start_of_day(first),
            occurred_at__lt=start_of_day(last + datetime.timedelta(days=1)),
        )
        .annotate(day=TruncDate("occurred_at"))
        .values("day", "kind", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    InteractionDayCount.objects.filter(day__gte=first, day__lte=last).delete()
    counts = [
        InteractionDayCount(day=r["day"], kind=r["kind"], outcome=r["outcome"], count=r["n"])
        for r in rows
    ]
    InteractionDayCount.objects.bulk_create(counts, batch_size=5000)
    return len(counts)


def recount_closed_day(when: datetime.datetime) -> None:
    """After a write that lands on a day the summary already holds, recount that day."""
    day = timezone.localdate(when)
    if day > timezone.localdate() - datetime.timedelta(days=LIVE_DAYS):
        # Still in the live window, which the summary never holds: no need to ask.
        return
    through = counted_through()
    if through is not None and day <= through:
        recount_days(day, day)


def refresh(today: datetime.date | None = None) -> int:
    """Bring the summary up to the day before the live window. The first run counts the whole
    history; later runs recount the last few closed days, which also picks up any change the
    services did not see (an interaction deleted in the admin, say)."""
    today = today or timezone.localdate()
    last = today - datetime.timedelta(days=LIVE_DAYS)
    through = counted_through()
    if through is None:
        earliest = Interaction.objects.aggregate(first=Min("occurred_at"))["first"]
        first = timezone.localdate(earliest) if earliest else last
    else:
        first = min(through, last) - datetime.timedelta(days=7)
    with transaction.atomic():
        written = recount_days(first, last)
        InteractionDaysCounted.objects.update_or_create(pk=1, defaults={"through": last})
    return written
