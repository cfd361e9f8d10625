"""The Poisson test that says a theme is rising, on counts built by hand."""

import math

import pytest

from insights.trends import poisson_at_least, trend


def _weeks(now, before):
    return {0: now, **dict(enumerate(before, start=1))}


def test_the_tail_of_a_poisson_count_matches_its_definition():
    rate = 3.0
    pmf = [math.exp(-rate) * rate**k / math.factorial(k) for k in range(40)]

    for count in (0, 1, 3, 7, 12):
        assert poisson_at_least(count, rate) == pytest.approx(sum(pmf[count:]), abs=1e-12)


def test_a_theme_that_triples_from_a_steady_base_is_rising():
    found = trend(_weeks(15, [5, 5, 5, 5, 5, 5, 5, 5]))

    assert found.rising
    assert found.expected == 5
    assert found.p_value < 0.001


def test_a_theme_that_wobbles_is_not():
    for now in (8, 9, 3):
        found = trend(_weeks(now, [3, 7, 4, 6, 5, 8, 2, 5]))
        assert not found.rising, now


def test_two_mentions_are_never_a_trend_even_from_nothing():
    assert trend(_weeks(2, [0] * 8)).p_value < 0.05  # unlikely, and still only two
    assert not trend(_weeks(2, [0] * 8)).rising
    assert not trend(_weeks(4, [0] * 8)).rising


def test_a_theme_from_nowhere_with_enough_mentions_rises():
    assert trend(_weeks(6, [0] * 8)).rising


def test_a_theme_falling_away_is_not_rising():
    assert not trend(_weeks(1, [9, 8, 10, 9, 9, 8, 10, 9])).rising


def test_the_minimum_is_a_setting(settings):
    settings.INSIGHTS_MIN_MENTIONS = 20

    assert not trend(_weeks(15, [5] * 8)).rising
