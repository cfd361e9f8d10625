import pytest


@pytest.fixture(autouse=True)
def _insight_settings(settings):
    """The documented defaults, pinned: the tests' counts are worked out against them."""
    settings.INSIGHTS_BASELINE_WEEKS = 8
    settings.INSIGHTS_MIN_MENTIONS = 5
    settings.INSIGHTS_RISING_P = 0.01
    settings.INSIGHTS_SEVERAL_CUSTOMERS = 3
