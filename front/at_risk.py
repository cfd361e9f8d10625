"""The dashboard's customers at risk: everyone with an open complaint or a "fell short" outcome
in the last FELL_SHORT_DAYS, the most overdue check-ins and the least loyal, scored and cut to
the worst AT_RISK_LIMIT.

The score: an open complaint weighs most, a recent disappointment or a sharp fall in mood
(interactions.moods) next, then silence; a loyalty score under LOW_LOYALTY adds how far under
it is (10 counts like an open complaint).

The candidates are scored in the database, in one statement: at a few hundred thousand
customers they number thousands. The worst are kept for AT_RISK_CACHE_SECONDS, so a dashboard
shown again and again scores them once in a while, not on every visit; a complaint opened
meanwhile reaches the list when that time is up (bench/FINDINGS.md, round 6).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from customers.models import Customer
from interactions.models import Complaint, Interaction
from interactions.moods import MOOD_FALLS, mood_fall_params

AT_RISK_LIMIT = 20
# Loyalty scores (voice.loyalty) below this put a customer among the candidates.
LOW_LOYALTY = 40
FELL_SHORT_DAYS = 30
# The most overdue check-ins taken as candidates, whatever else they have against them.
OVERDUE_CANDIDATES = AT_RISK_LIMIT * 3


@dataclass
class AtRisk:
    customer: Customer
    overdue_days: int
    open_complaints: int
    fell_short: int
    loyalty: int | None
    score: float
    mood_fell: bool = False

    @property
    def low_loyalty(self) -> bool:
        return self.loyalty is not None and self.loyalty < LOW_LOYALTY


SCORE = """(open_complaints * 30 + fell_short * 15 + mood_fell * 20 + LEAST(overdue_days, 90) / 3.0
    + GREATEST(%(low_loyalty)s - COALESCE(loyalty_score, %(low_loyalty)s), 0))::float"""

WORST = f"""
SELECT id, overdue_days, open_complaints, fell_short, loyalty_score, {SCORE} AS score, mood_fell
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
), mood_fell AS (
    {MOOD_FALLS}
), candidates AS (
    SELECT customer_id AS id FROM fell_short
    UNION ALL SELECT customer_id FROM mood_fell
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
        COALESCE(o.n, 0) AS open_complaints, COALESCE(f.n, 0) AS fell_short,
        (m.customer_id IS NOT NULL)::int AS mood_fell
    FROM customers_customer c
    LEFT JOIN fell_short f ON f.customer_id = c.id
    LEFT JOIN open_cases o ON o.customer_id = c.id
    LEFT JOIN mood_fell m ON m.customer_id = c.id
    -- An array, not a join: joined, the candidates made PostgreSQL read every customer.
    WHERE c.id = ANY(ARRAY(SELECT id FROM candidates)) AND c.archived_at IS NULL
)
{WORST}"""


def _params(today, now) -> dict:
    since = now - datetime.timedelta(days=FELL_SHORT_DAYS)
    return {
        **mood_fall_params(since),
        "fell_short": Interaction.Outcome.FELL_SHORT.value,
        "since": since,
        "open": list(Complaint.OPEN_STATUSES),
        "today": today,
        "overdue_limit": OVERDUE_CANDIDATES,
        "low_loyalty": LOW_LOYALTY,
        "loyal_limit": AT_RISK_LIMIT,
        "limit": AT_RISK_LIMIT,
    }


def _at_risk_rows(today, now) -> list[tuple]:
    """The worst AT_RISK_LIMIT as rows: (customer id, overdue days, open complaints, fell
    short, loyalty, score, mood fell), worst first."""
    with connection.cursor() as cursor:
        cursor.execute(AT_RISK_SQL, _params(today, now))
        return cursor.fetchall()


def customers_at_risk(today, now) -> list[AtRisk]:
    """The worst AT_RISK_LIMIT, worst first: scored at most once every
    AT_RISK_CACHE_SECONDS, and their customers read afresh."""
    rows = cache.get_or_set(
        f"front.at_risk.rows:{today.isoformat()}",
        lambda: _at_risk_rows(today, now),
        settings.AT_RISK_CACHE_SECONDS,
    )
    # Live ones only: a customer archived since the scoring leaves the list at once.
    customers = Customer.objects.live().select_related("owner").in_bulk([row[0] for row in rows])
    return [
        AtRisk(customers[pk], overdue, open_complaints, fell_short, loyalty, score, bool(fell))
        for pk, overdue, open_complaints, fell_short, loyalty, score, fell in rows
        if pk in customers
    ]
