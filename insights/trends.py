"""Whether a count is a trend: the Poisson test that flags a theme as rising.

A theme's mentions in a week are taken as a Poisson count whose rate is the mean of the
INSIGHTS_BASELINE_WEEKS weeks before (at least RATE_FLOOR, so a theme from nowhere can rise);
the theme is rising when at least INSIGHTS_MIN_MENTIONS mentions came this week and a count
that high had less than INSIGHTS_RISING_P chance under that rate.
"""

import math
from dataclasses import dataclass

from django.conf import settings

# Below one mention every few weeks a rate says nothing; this keeps a new theme's chance finite.
RATE_FLOOR = 0.25


def poisson_at_least(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate)."""
    if count <= 0:
        return 1.0
    term = math.exp(-rate)  # P(X = 0)
    below = term
    for k in range(1, count):
        term *= rate / k
        below += term
    return max(0.0, 1.0 - below)


@dataclass(frozen=True)
class Trend:
    mentions: int
    expected: float
    p_value: float
    rising: bool


def trend(mentions_by_week: dict[int, int]) -> Trend:
    """The trend of a theme from its mentions per week (0 this week, 1 the week before, …)."""
    weeks = settings.INSIGHTS_BASELINE_WEEKS
    now = mentions_by_week.get(0, 0)
    expected = sum(mentions_by_week.get(week, 0) for week in range(1, weeks + 1)) / weeks
    p_value = poisson_at_least(now, max(expected, RATE_FLOOR))
    rising = now >= settings.INSIGHTS_MIN_MENTIONS and p_value < settings.INSIGHTS_RISING_P
    return Trend(now, expected, p_value, rising)
