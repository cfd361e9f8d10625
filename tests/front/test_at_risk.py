"""The dashboard's at-risk list: the statement that scores every candidate, and how long its
result is kept."""

import datetime
import random
from collections import Counter

import pytest
from django.core.cache import cache
from django.db.models import Count

from customers import services as customer_services
from customers.models import Customer
from front import at_risk
from interactions.models import Complaint, Interaction
from tests.factories import CustomerFactory
from tests.interactions.factories import ComplaintFactory, InteractionFactory

pytestmark = pytest.mark.django_db

D = datetime.timedelta(days=1)


def random_book(rng, owner, now, today, loyalty_scores, customers=120):
    """Many more candidates than places, and more overdue customers than are taken on sight."""
    for n in range(customers):
        customer = CustomerFactory(
            owner=owner,
            next_checkin_due=today - rng.randint(-10, 150) * D if n % 9 else None,
            loyalty_score=rng.choice(loyalty_scores),
            archived_at=now if n % 23 == 0 else None,
        )
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
            ComplaintFactory(customer=customer, assignee=owner, opened_by=owner)
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            InteractionFactory(
                customer=customer,
                author=owner,
                outcome="fell_short",
                occurred_at=now - rng.choice([1, 10, 29, 45]) * D,
            )


def scored_in_python(today, now) -> list[tuple]:
    """The documented score of every candidate, worked out in Python: the oracle the
    statements are held to."""

    def per_customer(queryset):
        return Counter(
            dict(
                queryset.values("customer_id")
                .annotate(n=Count("*"))
                .values_list("customer_id", "n")
            )
        )

    since = now - datetime.timedelta(days=at_risk.FELL_SHORT_DAYS)
    fell_short = per_customer(
        Interaction.objects.filter(outcome=Interaction.Outcome.FELL_SHORT, occurred_at__gte=since)
    )
    open_cases = per_customer(Complaint.objects.open())
    live = Customer.objects.live()
    overdue = live.filter(next_checkin_due__lt=today).order_by("next_checkin_due", "id")
    least_loyal = live.filter(loyalty_score__lt=at_risk.LOW_LOYALTY).order_by("loyalty_score", "id")
    candidates = {
        *fell_short,
        *open_cases,
        *overdue.values_list("id", flat=True)[: at_risk.OVERDUE_CANDIDATES],
        *least_loyal.values_list("id", flat=True)[: at_risk.AT_RISK_LIMIT],
    }
    rows = []
    for pk, due, loyalty in live.filter(pk__in=candidates).values_list(
        "id", "next_checkin_due", "loyalty_score"
    ):
        overdue_days = max((today - due).days, 0) if due else 0
        under = max(at_risk.LOW_LOYALTY - loyalty, 0) if loyalty is not None else 0
        score = open_cases[pk] * 30 + fell_short[pk] * 15 + min(overdue_days, 90) / 3 + under
        rows.append((pk, overdue_days, open_cases[pk], fell_short[pk], loyalty, float(score)))
    rows.sort(key=lambda row: (-row[5], row[0]))
    return rows[: at_risk.AT_RISK_LIMIT]


def names_at_risk(today, now) -> list[str]:
    return [risk.customer.name for risk in at_risk.customers_at_risk(today, now)]


@pytest.mark.parametrize(
    "seed, loyalty_scores",
    [
        # Loyalty adds little: overdue check-ins decide the order among the rest.
        (1, [None, None, 36, 39, 40, 80]),
        # More low scores than the twenty least loyal taken on sight: loyalty decides too.
        (3, [0, 5, 10, 60, None]),
    ],
)
def test_the_statement_picks_the_worst_as_scoring_by_hand_does(
    now, today, staff_user, seed, loyalty_scores
):
    random_book(random.Random(seed), staff_user, now, today, loyalty_scores)

    in_the_database = at_risk._at_risk_rows(today, now)
    in_python = scored_in_python(today, now)

    assert len(in_the_database) == at_risk.AT_RISK_LIMIT
    assert [row[:5] for row in in_the_database] == [row[:5] for row in in_python]
    assert [row[5] for row in in_the_database] == pytest.approx([row[5] for row in in_python])


def test_the_list_is_scored_once_in_a_while_and_reads_its_customers_afresh(
    now, today, staff_user, settings, django_assert_num_queries
):
    settings.AT_RISK_CACHE_SECONDS = 60
    quiet = CustomerFactory(name="Quiet", owner=staff_user, next_checkin_due=today + 9 * D)
    angry = CustomerFactory(name="Angry", owner=staff_user)
    ComplaintFactory(customer=angry, assignee=staff_user, opened_by=staff_user)
    # Scoring, then the customers.
    with django_assert_num_queries(2):
        assert names_at_risk(today, now) == ["Angry"]

    ComplaintFactory(customer=quiet, assignee=staff_user, opened_by=staff_user)
    type(angry).objects.filter(pk=angry.pk).update(name="Angela")
    # The customers only: the scores are kept.
    with django_assert_num_queries(1):
        assert names_at_risk(today, now) == ["Angela"]

    cache.clear()  # the keeping time is up
    assert set(names_at_risk(today, now)) == {"Angela", "Quiet"}


def test_a_customer_archived_since_the_scoring_leaves_the_list_at_once(now, today, staff_user):
    gone = CustomerFactory(name="Gone", owner=staff_user)
    ComplaintFactory(customer=gone, assignee=staff_user, opened_by=staff_user)
    assert names_at_risk(today, now) == ["Gone"]

    customer_services.customer_archive(gone)

    assert names_at_risk(today, now) == []


def test_a_new_day_scores_afresh(now, today, staff_user):
    overdue = CustomerFactory(name="Overdue", owner=staff_user, next_checkin_due=today)
    assert names_at_risk(today, now) == []

    tomorrow = today + D
    assert names_at_risk(tomorrow, now + D) == ["Overdue"]
    assert overdue.next_checkin_due < tomorrow
