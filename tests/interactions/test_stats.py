import datetime

import pytest
from django.utils import timezone

from interactions import stats
from interactions.models import InteractionDayCount
from interactions.services import interaction_log, interaction_update
from tests.factories import CustomerFactory
from tests.interactions.factories import InteractionFactory

pytestmark = pytest.mark.django_db
D = datetime.timedelta(days=1)


def _counts():
    return {(c.day, c.kind, c.outcome): c.count for c in InteractionDayCount.objects.all()}


def test_first_refresh_counts_every_closed_day_and_leaves_the_live_days(staff_user):
    now = timezone.now()
    customer = CustomerFactory(owner=staff_user)
    InteractionFactory(customer=customer, occurred_at=now - 40 * D, outcome="met")
    InteractionFactory(customer=customer, occurred_at=now - 40 * D, outcome="met")
    InteractionFactory(customer=customer, occurred_at=now - 3 * D, kind="email")
    InteractionFactory(customer=customer, occurred_at=now)  # live: not summarised

    stats.refresh()

    assert _counts() == {
        (timezone.localdate(now - 40 * D), "call", "met"): 2,
        (timezone.localdate(now - 3 * D), "email", "unknown"): 1,
    }


def test_refresh_with_nothing_logged_writes_nothing():
    assert stats.refresh() == 0
    assert not InteractionDayCount.objects.exists()


def test_a_back_dated_interaction_recounts_its_day(staff_user):
    customer = CustomerFactory(owner=staff_user)
    ten_days_ago = timezone.now() - 10 * D
    InteractionFactory(customer=customer, occurred_at=ten_days_ago, outcome="met")
    stats.refresh()

    interaction_log(
        customer=customer,
        author=staff_user,
        summary="Rang last week",
        occurred_at=ten_days_ago,
        outcome="exceeded",
    )

    day = timezone.localdate(ten_days_ago)
    assert _counts() == {(day, "call", "met"): 1, (day, "call", "exceeded"): 1}


def test_moving_an_interaction_recounts_both_days(staff_user):
    customer = CustomerFactory(owner=staff_user)
    before, after = timezone.now() - 10 * D, timezone.now() - 20 * D
    interaction = InteractionFactory(customer=customer, occurred_at=before, outcome="met")
    stats.refresh()

    interaction_update(interaction, occurred_at=after)

    assert _counts() == {(timezone.localdate(after), "call", "met"): 1}


def test_a_live_day_is_not_summarised(staff_user):
    customer = CustomerFactory(owner=staff_user)
    stats.refresh()

    interaction_log(customer=customer, author=staff_user, summary="Just now")

    assert not InteractionDayCount.objects.exists()
