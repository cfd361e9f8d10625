"""The dashboard's voice-of-the-customer figures, against values worked out by hand."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory
from tests.interactions.factories import ComplaintFactory
from voice.selectors import nps_by_week, recent_unmet_wants, recovery_rate

from .factories import SurveyFactory, answered_survey

pytestmark = pytest.mark.django_db

D = datetime.timedelta(days=1)


def _local_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def monday():
    """The Monday two weeks before this week's."""
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday()) - 14 * D


def test_nps_by_week(monday, django_assert_num_queries):
    # Week one: 10 and 9 promote, 7 is passive, 3 detracts: (2 - 1) / 4 = 25.0
    for offset, recommend in ((0, 10), (1, 9), (6, 7), (6, 3)):
        answered_survey(answered_at=_local_noon(monday + offset * D), recommend=recommend)
    # Week two: no answers. Week three: 6 and 6 detract, 10 promotes: (1 - 2) / 3 = -33.3
    for offset, recommend in ((14, 6), (15, 6), (16, 10)):
        answered_survey(answered_at=_local_noon(monday + offset * D), recommend=recommend)
    # Before the period, and never answered: not counted.
    answered_survey(answered_at=_local_noon(monday - D), recommend=0)
    SurveyFactory()

    with django_assert_num_queries(1):
        weeks, scores = nps_by_week(monday)

    assert weeks == [monday, monday + 14 * D]
    assert scores == [25.0, -33.3]


def test_nps_by_week_with_no_answers():
    assert nps_by_week(timezone.localdate()) == ([], [])


def test_recovery_rate(django_assert_num_queries):
    now = timezone.now()
    start = timezone.localdate() - 30 * D

    def resolved(customer, days_ago, **fields):
        return ComplaintFactory(
            customer=customer,
            status=fields.pop("status", "resolved"),
            resolved_at=now - days_ago * D,
            **fields,
        )

    # Recovered: resolved 10 days ago, rated 5 five days ago.
    happy = CustomerFactory(name="Happy")
    resolved(happy, 10)
    answered_survey(customer=happy, answered_at=now - 5 * D, satisfaction=5)
    # Not recovered: the good rating came before the resolution, the later one is a 3.
    unhappy = CustomerFactory(name="Unhappy")
    resolved(unhappy, 10)
    answered_survey(customer=unhappy, answered_at=now - 20 * D, satisfaction=5)
    answered_survey(customer=unhappy, answered_at=now - 2 * D, satisfaction=3)
    # Two complaints in the period, a 4 after the first: recovered, and counted once.
    twice = CustomerFactory(name="Twice")
    resolved(twice, 20)
    resolved(twice, 3, status="closed")
    answered_survey(customer=twice, answered_at=now - 10 * D, satisfaction=4)
    # Resolved before the period, rated well since: not in the period's figures.
    earlier = CustomerFactory(name="Earlier")
    resolved(earlier, 40)
    answered_survey(customer=earlier, answered_at=now - 5 * D, satisfaction=5)
    # Reopened (no longer resolved) and never resolved: not counted.
    ComplaintFactory(customer=CustomerFactory(), status="open", resolved_at=None)
    ComplaintFactory(customer=CustomerFactory())
    # Someone else's good rating does not recover this customer.
    silent = CustomerFactory(name="Silent")
    resolved(silent, 8)
    answered_survey(customer=CustomerFactory(), answered_at=now - D, satisfaction=5)

    with django_assert_num_queries(1):
        recovered, total = recovery_rate(start)

    # Resolved in the period: Happy, Unhappy, Twice, Silent; recovered: Happy, Twice.
    assert (recovered, total) == (2, 4)


def test_recovery_rate_with_nothing_resolved():
    assert recovery_rate(timezone.localdate()) == (0, 0)


def test_recent_unmet_wants(django_assert_num_queries):
    now = timezone.now()
    ada, grace, alan = (CustomerFactory(name=n) for n in ("Ada", "Grace", "Alan"))
    answered_survey(customer=ada, answered_at=now - 3 * D, unmet_want="Online booking")
    answered_survey(customer=grace, answered_at=now - 1 * D, unmet_want="Evening slots")
    answered_survey(customer=alan, answered_at=now - 2 * D, unmet_want="")
    answered_survey(customer=alan, answered_at=now - 4 * D, unmet_want="A loyalty discount")
    SurveyFactory(customer=alan, unmet_want="Never answered")

    with django_assert_num_queries(1):
        wants = [(s.customer.name, s.unmet_want) for s in recent_unmet_wants(limit=2)]

    assert wants == [("Grace", "Evening slots"), ("Ada", "Online booking")]
    assert len(recent_unmet_wants()) == 3
