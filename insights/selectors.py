"""Reads of the insight tables for the dashboard, /insights/ and the weekly email: one query a
table, and one for the customers named, whatever the book's size."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from customers.models import Customer
from interactions.models import Complaint

from .models import CauseCount, InsightsRun, RisingTheme, SegmentGap, WantedTheme

CAUSE_WEEKS = 8


def with_customers(themes, per_theme: int = 5) -> list:
    """Each theme with ``.customers``: up to ``per_theme`` live customers behind it, by name."""
    themes = list(themes)
    wanted = {pk for theme in themes for pk in theme.customer_ids}
    customers = Customer.objects.live().only("name").in_bulk(wanted)
    for theme in themes:
        named = [customers[pk] for pk in theme.customer_ids if pk in customers]
        theme.customers = sorted(named, key=lambda c: c.name)[:per_theme]
        theme.more = len(named) - len(theme.customers)
    return themes


def rising_themes(limit: int | None = 5) -> list[RisingTheme]:
    return with_customers(RisingTheme.objects.all()[:limit])


def wanted_themes(limit: int | None = 5) -> list[WantedTheme]:
    return with_customers(WantedTheme.objects.all()[:limit])


@dataclass
class CauseRow:
    cause: str
    label: str
    complaints: int
    breached: int
    lost_customers: int
    by_week: list[int]
    recent: int  # the last four weeks
    before: int  # the four before


def causes(weeks: int = CAUSE_WEEKS) -> list[CauseRow]:
    """Complaints resolved in the last ``weeks`` weeks by cause, most first; "" (no cause
    given) last. ``by_week`` runs oldest to newest."""
    rows = {}
    half = weeks // 2
    for count in CauseCount.objects.filter(week__lt=weeks):
        label = Complaint.Cause(count.cause).label if count.cause else _("Not given")
        row = rows.setdefault(
            count.cause, CauseRow(count.cause, str(label), 0, 0, 0, [0] * weeks, 0, 0)
        )
        row.complaints += count.complaints
        row.breached += count.breached
        row.lost_customers += count.lost_customers
        row.by_week[weeks - 1 - count.week] += count.complaints
        if count.week < half:
            row.recent += count.complaints
        else:
            row.before += count.complaints
    return sorted(rows.values(), key=lambda row: (row.cause == "", -row.complaints, row.cause))


def cause_week_labels(now: datetime.datetime, weeks: int = CAUSE_WEEKS) -> list[str]:
    """The first day of each week of ``causes``' ``by_week``, oldest first."""
    return [
        (now - datetime.timedelta(weeks=week + 1)).date().isoformat()
        for week in reversed(range(weeks))
    ]


@dataclass
class GapRow:
    key: str
    segment: str
    gap: float | None
    before: float | None
    known: int

    @property
    def change(self) -> float | None:
        if self.gap is None or self.before is None:
            return None
        return self.gap - self.before


def segment_gaps() -> list[GapRow]:
    """Per segment, the expectation gap of the last four weeks and of the four before."""
    periods = {}
    for gap in SegmentGap.objects.all():
        periods.setdefault(gap.segment, {})[gap.period] = gap
    rows = []
    for segment, by_period in sorted(periods.items()):
        now, before = by_period.get(0), by_period.get(1)
        rows.append(
            GapRow(
                key=segment,
                segment=str(Customer.Segment(segment).label)
                if segment in Customer.Segment.values
                else segment,
                gap=now.gap if now else None,
                before=before.gap if before else None,
                known=now.known if now else 0,
            )
        )
    return rows


def last_run() -> InsightsRun | None:
    return InsightsRun.objects.order_by("-computed_at").first()
