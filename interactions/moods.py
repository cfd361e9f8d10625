"""How customers felt: the mood staff record when logging (Interaction.mood), and who fell.

A sharp fall: the latest mood is frustrated or angry, and at least MOOD_FALL points below the
mean of the (up to three) moods recorded in the MOOD_MEMORY_DAYS before it.
"""

import datetime
from dataclasses import dataclass

from django.db import connection

from .models import Interaction

MOOD_FALL = 2
MOOD_MEMORY_DAYS = 180
MOODS_ON_PROFILE = 8

MOOD_FALLS = """
WITH fresh AS (
    SELECT DISTINCT customer_id FROM interactions_interaction
    WHERE mood IS NOT NULL AND occurred_at >= %(since)s
), moods AS (
    SELECT i.customer_id, i.mood, i.occurred_at,
        row_number() OVER (PARTITION BY i.customer_id ORDER BY i.occurred_at DESC, i.id DESC) AS n
    FROM interactions_interaction i JOIN fresh f ON f.customer_id = i.customer_id
    WHERE i.mood IS NOT NULL AND i.occurred_at >= %(memory)s
)
SELECT customer_id, avg(mood) FILTER (WHERE n > 1) AS before,
    max(mood) FILTER (WHERE n = 1) AS latest, max(occurred_at) FILTER (WHERE n = 1) AS at
FROM moods WHERE n <= 4
GROUP BY customer_id
HAVING max(occurred_at) FILTER (WHERE n = 1) >= %(since)s
    AND max(mood) FILTER (WHERE n = 1) <= %(low)s
    AND avg(mood) FILTER (WHERE n > 1) - max(mood) FILTER (WHERE n = 1) >= %(fall)s
ORDER BY at DESC, customer_id
"""


@dataclass(frozen=True)
class MoodFall:
    customer_id: int
    before: float
    latest: int
    at: datetime.datetime

    @property
    def latest_label(self) -> str:
        return str(Interaction.Mood(self.latest).label)


def mood_fall_params(since: datetime.datetime) -> dict:
    return {
        "since": since,
        "memory": since - datetime.timedelta(days=MOOD_MEMORY_DAYS),
        "low": Interaction.Mood.FRUSTRATED,
        "fall": MOOD_FALL,
    }


def mood_falls(since: datetime.datetime) -> list[MoodFall]:
    """The customers whose mood fell sharply at a contact since ``since``, latest first."""
    with connection.cursor() as cursor:
        cursor.execute(MOOD_FALLS, mood_fall_params(since))
        return [MoodFall(pk, float(before), latest, at) for pk, before, latest, at in cursor]


def mood_trend(customer) -> list[Interaction]:
    """The customer's last recorded moods, oldest first, for the profile."""
    latest = (
        Interaction.objects.filter(customer=customer, mood__isnull=False)
        .order_by("-occurred_at", "-id")
        .only("mood", "occurred_at", "kind")[:MOODS_ON_PROFILE]
    )
    return list(reversed(latest))
