"""The dashboard's customers at risk: everyone with an open complaint or a "fell short" outcome
in the last FELL_SHORT_DAYS, the most overdue check-ins and the least loyal, scored and cut to
the worst AT_RISK_LIMIT.

The score: an open complaint weighs most, a recent disappointment next, then silence; a
loyalty score under LOW_LOYALTY adds how far under it is (10 counts like an open complaint).

On PostgreSQL the candidates are scored in the database: at a few hundred thousand customers
they number thousands, and loading them to score in Python took longer than the rest of the
dashboard. Even there, looking each of them up grew with the book (8,300 at 300,000
customers), so beat keeps a shortlist of the likeliest (shortlist_choose), triggers add every
customer whose risk jumps meanwhile, and the dashboard scores only the shortlist, afresh.
SQLite, the zero-setup default, scores every candidate in Python.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from customers.models import Customer
from interactions.models import Complaint, Interaction

from .models import AtRiskCandidate, AtRiskShortlist

AT_RISK_LIMIT = 20
# Loyalty scores (voice.loyalty) below this put a customer among the candidates.
LOW_LOYALTY = 40
FELL_SHORT_DAYS = 30
# The most overdue check-ins taken as candidates, whatever else they have against them.
OVERDUE_CANDIDATES = AT_RISK_LIMIT * 3
# The shortlist keeps several times what the dashboard shows, so that when the worst are dealt
# with between choosings, the next are already on it.
SHORTLIST_SIZE = AT_RISK_LIMIT * 5


@dataclass
class AtRisk:
    customer: Customer
    overdue_days: int
    open_complaints: int
    fell_short: int
    loyalty: int | None
    score: float

    @property
    def low_loyalty(self) -> bool:
        return self.loyalty is not None and self.loyalty < LOW_LOYALTY


CANDIDATES = AtRiskCandidate._meta.db_table

SCORE = """(open_complaints * 30 + fell_short * 15 + LEAST(overdue_days, 90) / 3.0
    + GREATEST(%(low_loyalty)s - COALESCE(loyalty_score, %(low_loyalty)s), 0))::float"""

WORST = f"""
SELECT id, overdue_days, open_complaints, fell_short, loyalty_score, {SCORE} AS score
FROM scored
ORDER BY score DESC, id
LIMIT %(limit)s
"""

OVERDUE_DAYS = "COALESCE(GREATEST(%(today)s - c.next_checkin_due, 0), 0)"

# Every candidate: counted together, since they number thousands on a large book.
AT_RISK_SQL = f"""
WITH fell_short AS (
    SELECT customer_id, count(*) AS n FROM interactions_interaction
    WHERE outcome = %(fell_short)s AND occurred_at >= %(since)s
    GROUP BY customer_id
), open_cases AS (
    SELECT customer_id, count(*) AS n FROM interactions_complaint
    WHERE status = ANY(%(open)s)
    GROUP BY customer_id
), candidates AS (
    SELECT customer_id AS id FROM fell_short
    UNION ALL SELECT customer_id FROM open_cases
    UNION ALL (
        SELECT id FROM customers_customer
        WHERE archived_at IS NULL AND next_checkin_due < %(today)s
        ORDER BY next_checkin_due, id LIMIT %(overdue_limit)s
    )
    UNION ALL (
        SELECT id FROM customers_customer
        WHERE archived_at IS NULL AND loyalty_score < %(low_loyalty)s
        ORDER BY loyalty_score, id LIMIT %(loyal_limit)s
    )
), scored AS (
    SELECT c.id, c.loyalty_score, {OVERDUE_DAYS} AS overdue_days,
        COALESCE(o.n, 0) AS open_complaints, COALESCE(f.n, 0) AS fell_short
    FROM customers_customer c
    LEFT JOIN fell_short f ON f.customer_id = c.id
    LEFT JOIN open_cases o ON o.customer_id = c.id
    -- An array, not a join: joined, the candidates made PostgreSQL read every customer.
    WHERE c.id = ANY(ARRAY(SELECT id FROM candidates)) AND c.archived_at IS NULL
)
{WORST}"""

# The shortlist: a hundred or so, each counted by index from its own rows.
SHORTLISTED_SQL = f"""
WITH scored AS (
    SELECT c.id, c.loyalty_score, {OVERDUE_DAYS} AS overdue_days,
        (SELECT count(*) FROM interactions_complaint
         WHERE customer_id = c.id AND status = ANY(%(open)s)) AS open_complaints,
        (SELECT count(*) FROM interactions_interaction
         WHERE customer_id = c.id AND outcome = %(fell_short)s AND occurred_at >= %(since)s
        ) AS fell_short
    FROM customers_customer c
    WHERE c.id = ANY(ARRAY(SELECT customer_id FROM {CANDIDATES})) AND c.archived_at IS NULL
)
{WORST}"""

# One statement, so a candidate a trigger adds while the worst are being scored is kept: the
# DELETE sees the same snapshot as the scoring.
CHOOSE_SQL = f"""
WITH chosen AS (SELECT id FROM ({AT_RISK_SQL}) AS worst), dropped AS (
    DELETE FROM {CANDIDATES} WHERE customer_id NOT IN (SELECT id FROM chosen)
)
INSERT INTO {CANDIDATES} (customer_id) SELECT id FROM chosen ON CONFLICT DO NOTHING
"""


def _params(today, now, limit) -> dict:
    return {
        "fell_short": Interaction.Outcome.FELL_SHORT.value,
        "since": now - datetime.timedelta(days=FELL_SHORT_DAYS),
        "open": list(Complaint.OPEN_STATUSES),
        "today": today,
        "overdue_limit": OVERDUE_CANDIDATES,
        "low_loyalty": LOW_LOYALTY,
        "loyal_limit": AT_RISK_LIMIT,
        "limit": limit,
    }


def shortlist_is_fresh(now) -> bool:
    """Whether beat chose the candidates lately: three of its intervals, so one missed run
    does not matter."""
    stale = datetime.timedelta(seconds=3 * settings.CHOOSE_AT_RISK_EVERY_SECONDS)
    return AtRiskShortlist.objects.filter(chosen_at__gte=now - stale).exists()


@transaction.atomic
def shortlist_choose(now: datetime.datetime | None = None) -> int:
    """Keep the SHORTLIST_SIZE likeliest customers as the at-risk candidates (PostgreSQL
    only; every few minutes on beat). Returns how many there are."""
    if connection.vendor != "postgresql":
        return 0
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(CHOOSE_SQL, _params(timezone.localdate(now), now, SHORTLIST_SIZE))
    AtRiskShortlist.objects.update_or_create(pk=1, defaults={"chosen_at": now})
    return AtRiskCandidate.objects.count()


def _at_risk_rows(today, now) -> list[tuple]:
    """The worst AT_RISK_LIMIT as rows: (customer id, overdue days, open complaints, fell
    short, loyalty, score), worst first."""
    if connection.vendor == "postgresql":
        sql = SHORTLISTED_SQL if shortlist_is_fresh(now) else AT_RISK_SQL
        with connection.cursor() as cursor:
            cursor.execute(sql, _params(today, now, AT_RISK_LIMIT))
            return cursor.fetchall()
    return _portable_rows(today, now)


def _portable_rows(today, now) -> list[tuple]:
    """AT_RISK_SQL's candidates and score, worked out in Python."""

    def per_customer(queryset):
        return Counter(
            dict(
                queryset.values("customer_id")
                .annotate(n=Count("*"))
                .values_list("customer_id", "n")
            )
        )

    since = now - datetime.timedelta(days=FELL_SHORT_DAYS)
    fell_short = per_customer(
        Interaction.objects.filter(outcome=Interaction.Outcome.FELL_SHORT, occurred_at__gte=since)
    )
    open_cases = per_customer(Complaint.objects.open())
    live = Customer.objects.live()
    overdue = live.filter(next_checkin_due__lt=today).order_by("next_checkin_due", "id")
    least_loyal = live.filter(loyalty_score__lt=LOW_LOYALTY).order_by("loyalty_score", "id")
    candidates = {
        *fell_short,
        *open_cases,
        *overdue.values_list("id", flat=True)[:OVERDUE_CANDIDATES],
        *least_loyal.values_list("id", flat=True)[:AT_RISK_LIMIT],
    }
    rows = []
    for pk, due, loyalty in live.filter(pk__in=candidates).values_list(
        "id", "next_checkin_due", "loyalty_score"
    ):
        overdue_days = max((today - due).days, 0) if due else 0
        under = max(LOW_LOYALTY - loyalty, 0) if loyalty is not None else 0
        score = open_cases[pk] * 30 + fell_short[pk] * 15 + min(overdue_days, 90) / 3 + under
        rows.append((pk, overdue_days, open_cases[pk], fell_short[pk], loyalty, float(score)))
    rows.sort(key=lambda row: (-row[5], row[0]))
    return rows[:AT_RISK_LIMIT]


def customers_at_risk(today, now) -> list[AtRisk]:
    """The worst AT_RISK_LIMIT, worst first: in three queries on PostgreSQL."""
    rows = _at_risk_rows(today, now)
    customers = Customer.objects.select_related("owner").in_bulk([row[0] for row in rows])
    return [
        AtRisk(customers[pk], overdue, open_complaints, fell_short, loyalty, score)
        for pk, overdue, open_complaints, fell_short, loyalty, score in rows
    ]
