"""Reads for the dashboard's voice-of-the-customer figures, one query each.

Each takes the first day of the period (a local date) so tests pin them to hand-computed
values; weeks start on Monday, as on the rest of the dashboard.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate

from core.dates import start_of_day
from interactions.models import Complaint

from .models import FeedbackSubmission, Survey

PROMOTER, DETRACTOR = 9, 6  # 9-10 promote us, 0-6 detract, 7-8 are passive


def nps_by_week(start: datetime.date) -> tuple[list[datetime.date], list[float | None]]:
    """Net Promoter Score of the surveys answered each week since ``start``: the percentage
    of promoters (9-10) minus that of detractors (0-6), -100 to 100. Weeks without answers
    are left out. Grouped by local day in SQL, folded into weeks here."""
    rows = (
        Survey.objects.filter(answered_at__gte=start_of_day(start), recommend__isnull=False)
        .annotate(day=TruncDate("answered_at"))
        .values("day")
        .annotate(
            answers=Count("id"),
            promoters=Count("id", filter=Q(recommend__gte=PROMOTER)),
            detractors=Count("id", filter=Q(recommend__lte=DETRACTOR)),
        )
        .order_by()
    )
    weeks = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        week = weeks[row["day"] - datetime.timedelta(days=row["day"].weekday())]
        week[0] += row["answers"]
        week[1] += row["promoters"]
        week[2] += row["detractors"]
    ordered = sorted(weeks)
    return ordered, [round(100 * (weeks[w][1] - weeks[w][2]) / weeks[w][0], 1) for w in ordered]


def recovery_rate(start: datetime.date) -> tuple[int, int]:
    """(recovered, resolved): customers with a complaint resolved since ``start``, and of those
    the ones who afterwards rated their satisfaction 4 or 5 in a survey."""
    rated_well_later = Survey.objects.filter(
        customer_id=OuterRef("customer_id"),
        answered_at__gt=OuterRef("resolved_at"),
        satisfaction__gte=4,
    )
    counts = Complaint.objects.filter(resolved_at__gte=start_of_day(start)).aggregate(
        resolved=Count("customer_id", distinct=True),
        recovered=Count("customer_id", distinct=True, filter=Exists(rated_well_later)),
    )
    return counts["recovered"], counts["resolved"]


def recent_unmet_wants(limit: int = 10) -> list[Survey]:
    """The latest survey answers that named something we do not offer, with their customer;
    an erased customer's wish is a placeholder, and left out."""
    return list(
        Survey.objects.filter(answered_at__isnull=False, customer__erased_at__isnull=True)
        .exclude(unmet_want="")
        .select_related("customer")
        .order_by("-answered_at", "-id")[:limit]
    )


def customer_own_words(complaint: Complaint) -> str:
    """What the customer told us when they complained, as they wrote it on the form; for a
    case opened by staff, its title, which the acknowledgement already gave them."""
    submission = (
        FeedbackSubmission.objects.filter(complaint=complaint)
        .order_by("pk")
        .only("message")
        .first()
    )
    return submission.message if submission else complaint.summary
