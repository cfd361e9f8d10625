"""The figures of the manager dashboard, each from one aggregate query.

Every function takes the period and "now" explicitly so tests can pin them against values
worked out by hand; none runs a query per row.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import chain

from django.conf import settings
from django.db import connection
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from core.dates import start_of_day
from customers.forms import assignable_users
from customers.models import Customer
from interactions import stats
from interactions.models import (
    Complaint,
    FollowUp,
    Interaction,
    InteractionDayCount,
    Reminder,
)

PERIODS = (30, 90, 365)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class StaffRow:
    user: object
    checkins_due: int = 0
    checkins_overdue: int = 0
    checkins_on_time: int = 0
    checkins_counted: int = 0
    promises_kept_count: int = 0
    promises_count: int = 0
    open_complaints: int = 0

    @property
    def adherence(self) -> float | None:
        return _share(self.checkins_on_time, self.checkins_counted)

    @property
    def promises_kept(self) -> float | None:
        return _share(self.promises_kept_count, self.promises_count)


COUNTED = (
    "checkins_due",
    "checkins_overdue",
    "checkins_on_time",
    "checkins_counted",
    "promises_kept_count",
    "promises_count",
)


def team_totals(rows: list[StaffRow]) -> StaffRow:
    """The whole team as one row: counts added up, shares computed from the sums."""
    team = StaffRow(user=None)
    for row in rows:
        for name in (*COUNTED, "open_complaints"):
            setattr(team, name, getattr(team, name) + getattr(row, name))
    return team


def _correlated_count(queryset, field):
    """A correlated count of ``queryset`` rows whose ``field`` is the outer row, 0 when none."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("*"))  # not Count("pk"): counting rows lets an index answer alone
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def staff_rows(
    today: datetime.date, start: datetime.date, open_by_assignee: Counter, users=None
) -> list[StaffRow]:
    """Per member of staff, in one query: check-ins due today and overdue; check-in adherence
    (check-ins due in the period done within the grace days, of those done or past their
    grace); promises kept (promised follow-ups due in the period done by their due date, of
    those done or past due: a promise still open after its due date is broken). Open
    complaints come from complaint_figures, which reads every open case anyway."""
    grace = datetime.timedelta(days=settings.CHECKIN_GRACE_DAYS)
    live = Customer.objects.live().filter(next_checkin_due__lte=today)
    lateness = ExpressionWrapper(TruncDate("done_at") - F("due_on"), output_field=DurationField())
    checkins = Reminder.objects.filter(
        kind=Reminder.Kind.CHECK_IN, due_on__gte=start, due_on__lte=today
    ).annotate(lateness=lateness)
    promised = (
        FollowUp.objects.promises()
        .filter(due_on__gte=start)
        .filter(Q(done_at__isnull=False) | Q(due_on__lt=today))
    )
    done = Q(state=Reminder.State.DONE)
    users = (users if users is not None else assignable_users()).annotate(
        checkins_due=_correlated_count(live.filter(next_checkin_due=today), "owner"),
        checkins_overdue=_correlated_count(live.filter(next_checkin_due__lt=today), "owner"),
        checkins_on_time=_correlated_count(checkins.filter(done, lateness__lte=grace), "recipient"),
        checkins_counted=_correlated_count(
            checkins.filter(done | Q(due_on__lt=today - grace)), "recipient"
        ),
        promises_kept_count=_correlated_count(promised.filter(done_on_time=True), "assignee"),
        promises_count=_correlated_count(promised, "assignee"),
    )
    return [
        StaffRow(
            user=user,
            open_complaints=open_by_assignee.get(user.pk, 0),
            **{name: getattr(user, name) for name in COUNTED},
        )
        for user in users
    ]


@dataclass
class ComplaintFigures:
    by_severity: dict = field(default_factory=dict)  # severity -> {target status: count}
    open_by_assignee: Counter = field(default_factory=Counter)
    weeks: list = field(default_factory=list)
    median_response_hours: list = field(default_factory=list)
    median_resolution_hours: list = field(default_factory=list)
    response_within_target: float | None = None
    resolution_within_target: float | None = None


# Open cases counted by severity, assignee and where they stand against their target, in the
# database: a large book has thousands open, and loading each took longer than the rest of the
# dashboard. The CASE is Complaint.target_status for an open case.
OPEN_TARGETS_SQL = """
SELECT severity, assignee_id,
    CASE WHEN %(now)s > target THEN %(breached)s
        WHEN %(now)s >= opened_at + (target - opened_at) * 0.75 THEN %(due_soon)s
        ELSE %(on_track)s END,
    count(*)
FROM (
    SELECT severity, assignee_id, opened_at,
        CASE WHEN first_response_at IS NULL THEN respond_by ELSE resolve_by END AS target
    FROM interactions_complaint WHERE status = ANY(%(open)s)
) AS open_cases
GROUP BY 1, 2, 3
"""


def open_targets(now: datetime.datetime) -> list[tuple[str, int | None, str, int]]:
    """Open cases counted by severity, assignee and target status: (severity, assignee id,
    status, count) rows."""
    status = Complaint.TargetStatus
    with connection.cursor() as cursor:
        cursor.execute(
            OPEN_TARGETS_SQL,
            {
                "now": now,
                "open": list(Complaint.OPEN_STATUSES),
                "breached": status.BREACHED.value,
                "due_soon": status.DUE_SOON.value,
                "on_track": status.ON_TRACK.value,
            },
        )
        return cursor.fetchall()


# Response and resolution times of the cases opened in the period, a week (from Monday) at a
# time, worked out in the database: turning each case's five moments into Python took longer
# than the rest of the dashboard's figures, and grew with the book.
WEEKLY_CASE_TIMES_SQL = """
SELECT (date_trunc('week', opened_at AT TIME ZONE %(zone)s))::date AS week,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at))
        FILTER (WHERE first_response_at IS NOT NULL) / 3600,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at))
        FILTER (WHERE resolved_at IS NOT NULL) / 3600,
    count(first_response_at),
    count(*) FILTER (WHERE first_response_at <= respond_by),
    count(resolved_at),
    count(*) FILTER (WHERE resolved_at <= resolve_by)
FROM interactions_complaint
WHERE opened_at >= %(since)s
GROUP BY 1
ORDER BY 1
"""


def weekly_case_times(since: datetime.datetime) -> list[tuple]:
    """(week, median hours to respond, median hours to resolve, responded, in time, resolved,
    in time) for each week from ``since``, oldest first; a median is None with no such case."""
    with connection.cursor() as cursor:
        cursor.execute(
            WEEKLY_CASE_TIMES_SQL,
            {"zone": timezone.get_current_timezone_name(), "since": since},
        )
        return cursor.fetchall()


def _hours(hours: float | None) -> float | None:
    return None if hours is None else round(hours, 1)


def complaint_figures(now: datetime.datetime, start: datetime.date) -> ComplaintFigures:
    figures = ComplaintFigures()
    statuses = [s.value for s in Complaint.TargetStatus if s != Complaint.TargetStatus.MET]
    for severity in Complaint.Severity.values:
        figures.by_severity[severity] = dict.fromkeys(statuses, 0)
    for severity, assignee_id, target, count in open_targets(now):
        figures.by_severity[severity][target] += count
        figures.open_by_assignee[assignee_id] += count
    responded = responded_in_time = resolved = resolved_in_time = 0
    for week, response, resolution, *counts in weekly_case_times(start_of_day(start)):
        if response is None and resolution is None:
            continue  # cases opened that week, none answered yet: nothing to chart
        figures.weeks.append(week)
        figures.median_response_hours.append(_hours(response))
        figures.median_resolution_hours.append(_hours(resolution))
        responded += counts[0]
        responded_in_time += counts[1]
        resolved += counts[2]
        resolved_in_time += counts[3]
    figures.response_within_target = _share(responded_in_time, responded)
    figures.resolution_within_target = _share(resolved_in_time, resolved)
    return figures


@dataclass
class InteractionFigures:
    weeks: list = field(default_factory=list)
    by_kind: dict = field(default_factory=dict)  # kind -> [count per week]
    quality: list = field(default_factory=list)  # % exceeded minus % fell short, per week
    quality_overall: float | None = None


def interaction_figures(start: datetime.date, today: datetime.date) -> InteractionFigures:
    """Interactions per week by kind, and perceived quality per week: of the customer-facing
    interactions whose outcome is known, the share that exceeded expectations minus the share
    that fell short ("not known" says nothing about how the customer saw it)."""
    # Days up to the summary's last come from it; later days are counted live.
    through = stats.counted_through() or start - datetime.timedelta(days=1)
    live_start = max(start, through + datetime.timedelta(days=1))
    summarised = InteractionDayCount.objects.filter(day__gte=start, day__lt=live_start).values(
        "day", "kind", "outcome", n=F("count")
    )
    live = (
        Interaction.objects.filter(occurred_at__gte=start_of_day(live_start))
        .annotate(day=TruncDate("occurred_at"))
        .values("day", "kind", "outcome")
        .annotate(n=Count("*"))  # rows, not ids: interaction_week_mix answers alone
        .order_by()
    )
    counts = defaultdict(lambda: defaultdict(int))
    outcomes = defaultdict(lambda: defaultdict(int))
    for row in chain(summarised, live):
        week = row["day"] - datetime.timedelta(days=row["day"].weekday())
        counts[week][row["kind"]] += row["n"]
        known = row["outcome"] != Interaction.Outcome.UNKNOWN
        if known and row["kind"] in Interaction.CUSTOMER_FACING:
            outcomes[week][row["outcome"]] += row["n"]
    figures = InteractionFigures(weeks=sorted(counts))
    figures.by_kind = {
        kind: [counts[week][kind] for week in figures.weeks] for kind in Interaction.Kind.values
    }
    totals = defaultdict(int)
    for week in figures.weeks:
        week_outcomes = outcomes[week]
        total = sum(week_outcomes.values())
        figures.quality.append(_quality(week_outcomes, total))
        for outcome, n in week_outcomes.items():
            totals[outcome] += n
    figures.quality_overall = _quality(totals, sum(totals.values()))
    return figures


def _quality(outcomes, total):
    if not total:
        return None
    exceeded = outcomes.get(Interaction.Outcome.EXCEEDED, 0)
    fell_short = outcomes.get(Interaction.Outcome.FELL_SHORT, 0)
    return round(100 * (exceeded - fell_short) / total, 1)
