"""The loyalty score: each factor on hand-built numbers, the inputs read from the database,
recomputation when an input changes, and where the score shows."""

import datetime

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app as celery_app
from customers.models import Customer
from front import at_risk
from interactions.complaints.services import complaint_transition, complaint_update
from interactions.models import Interaction
from interactions.services import interaction_log, interaction_update
from interactions.signals import customer_experience_changed
from tests.factories import CustomerFactory
from tests.interactions.factories import ComplaintFactory, InteractionFactory
from voice import loyalty
from voice.loyalty import (
    Factor,
    LoyaltyInputs,
    factor_advocacy,
    factor_initiative,
    factor_repeat_buying,
    factor_resistance,
    factor_satisfaction,
    load_inputs,
    loyalty_recompute,
    loyalty_refresh_stale,
    loyalty_score,
)
from voice.tasks import recompute_loyalty

from .factories import answered_survey

D = datetime.timedelta(days=1)


# The factors, on numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "value", "reason"),
    [
        # Mean 13/3 = 4.33 -> 25 x 3.33 = 83.3; one exceeded and one fell short of four cancel.
        (
            LoyaltyInputs(ratings=3, rating_sum=13, exceeded=1, met=2, fell_short=1),
            83,
            "Rated us 4.3 of 5 on average (3 ratings); 1 of 4 known outcomes exceeded "
            "expectations, 1 fell short.",
        ),
        # No ratings: 50, and two of two exceeded add the full 20.
        (
            LoyaltyInputs(exceeded=2),
            70,
            "No ratings; 2 of 2 known outcomes exceeded expectations, 0 fell short.",
        ),
        # A 5 is 100; the one known outcome fell short: -20.
        (
            LoyaltyInputs(ratings=1, rating_sum=5, fell_short=1),
            80,
            "Rated us 5.0 of 5 (1 rating); 0 of 1 known outcomes exceeded expectations, "
            "1 fell short.",
        ),
        # 1s only, and it fell short: held at 0.
        (LoyaltyInputs(ratings=2, rating_sum=2, fell_short=2), 0, None),
        # All 5s and all exceeded: held at 100.
        (LoyaltyInputs(ratings=2, rating_sum=10, exceeded=3), 100, None),
        # Mean 2.5 -> 37.5, rounded half up.
        (
            LoyaltyInputs(ratings=2, rating_sum=5),
            38,
            "Rated us 2.5 of 5 on average (2 ratings); no known outcomes.",
        ),
        (LoyaltyInputs(), None, "No ratings or known outcomes this year."),
    ],
)
def test_satisfaction(inputs, value, reason):
    factor = factor_satisfaction(inputs)

    assert factor.value == value
    if reason:
        assert factor.reason == reason


@pytest.mark.parametrize(
    ("contacts", "started", "value", "reason"),
    [
        (10, 3, 30, "Started 3 of 10 contacts this year."),
        (3, 1, 33, "Started 1 of 3 contacts this year."),
        (1, 1, 100, "Started 1 of 1 contact this year."),
        (4, 0, 0, "Started 0 of 4 contacts this year."),
        (0, 0, None, "No contact this year."),
    ],
)
def test_initiative(contacts, started, value, reason):
    factor = factor_initiative(LoyaltyInputs(contacts=contacts, started_by_customer=started))

    assert factor == Factor(value, reason)


@pytest.mark.parametrize(
    ("purchases", "tenure_days", "value", "reason"),
    [
        (0, 400, 0, "No purchases in the last 12 months."),
        (1, 400, 40, "1 purchase in the last 12 months."),
        (2, 400, 70, "2 purchases in the last 12 months."),
        (3, 400, 100, "3 purchases in the last 12 months."),
        (7, 400, 100, "7 purchases in the last 12 months."),
        # New customers (NEW_CUSTOMER_DAYS, 90) have not had the time to buy again.
        (0, 89, None, "Too new a customer to judge, and no purchase yet."),
        (1, 10, 40, "1 purchase in the last 12 months."),
        (0, 90, 0, "No purchases in the last 12 months."),
    ],
)
def test_repeat_buying(purchases, tenure_days, value, reason):
    factor = factor_repeat_buying(LoyaltyInputs(purchases=purchases, tenure_days=tenure_days))

    assert factor == Factor(value, reason)


@pytest.mark.parametrize(
    ("recommend", "value", "reason"),
    [
        (9, 90, "Would recommend us 9 out of 10."),
        (0, 0, "Would recommend us 0 out of 10."),
        (10, 100, "Would recommend us 10 out of 10."),
        (None, None, "Not asked whether they would recommend us yet."),
    ],
)
def test_advocacy(recommend, value, reason):
    assert factor_advocacy(LoyaltyInputs(recommend=recommend)) == Factor(value, reason)


@pytest.mark.parametrize(
    ("switching", "unresolved", "recovered", "value", "reason"),
    [
        ("no", 0, 0, 100, "Has not considered switching."),
        ("rather_not_say", 0, 0, 50, "Would rather not say whether they considered switching."),
        ("yes", 0, 0, 0, "Has considered switching."),
        # Not asked counts as 50; each open complaint -20.
        ("", 1, 0, 30, "Not asked about switching; 1 complaint this year still open."),
        ("no", 2, 0, 60, "Has not considered switching; 2 complaints this year still open."),
        # Each complaint put right with an accepted remedy +10, to at most 100.
        (
            "yes",
            0,
            1,
            10,
            "Has considered switching; 1 complaint put right with a remedy they accepted.",
        ),
        ("no", 0, 1, 100, None),
        (
            "rather_not_say",
            1,
            2,
            50,
            "Would rather not say whether they considered switching; 1 complaint this year "
            "still open, 2 complaints put right with a remedy they accepted.",
        ),
        ("yes", 3, 0, 0, None),  # held at 0
        ("", 0, 0, None, "Not asked about switching, and no complaints this year."),
    ],
)
def test_resistance(switching, unresolved, recovered, value, reason):
    factor = factor_resistance(
        LoyaltyInputs(
            switching=switching, unresolved_complaints=unresolved, recovered_complaints=recovered
        )
    )

    assert factor.value == value
    if reason:
        assert factor.reason == reason


def _factors(**values):
    names = ("satisfaction", "initiative", "repeat_buying", "advocacy", "resistance")
    return {name: Factor(values.get(name), "") for name in names}


@pytest.mark.parametrize(
    ("values", "score"),
    [
        # Weights 30/15/20/20/15, over the factors with data:
        # (30 x 80 + 15 x 30 + 20 x 90) / 65 = 4650 / 65 = 71.5 -> 72
        ({"satisfaction": 80, "initiative": 30, "advocacy": 90}, 72),
        # (30 x 50 + 15 x 100 + 20 x 40 + 20 x 70 + 15 x 0) / 100 = 52
        (
            {
                "satisfaction": 50,
                "initiative": 100,
                "repeat_buying": 40,
                "advocacy": 70,
                "resistance": 0,
            },
            52,
        ),
        # (20 x 0 + 15 x 100) / 35 = 42.9 -> 43
        ({"repeat_buying": 0, "resistance": 100}, 43),
        ({"satisfaction": 100}, None),  # one factor is not enough to go on
        ({}, None),
    ],
)
def test_the_score_is_the_weighted_mean_of_the_factors_with_data(values, score):
    assert loyalty_score(_factors(**values)) == score


# The inputs, from the database ----------------------------------------------------------------


@pytest.fixture
def now():
    return timezone.now()


def _log(customer, now, days_ago, **fields):
    return InteractionFactory(
        customer=customer, occurred_at=now - days_ago * D, author=customer.owner, **fields
    )


@pytest.mark.django_db
def test_the_inputs_are_read_in_three_queries(now, django_assert_num_queries):
    customer = CustomerFactory(customer_since=timezone.localdate() - 500 * D)
    _log(customer, now, 10, kind="call", initiated_by="customer", satisfaction=4, outcome="met")
    _log(customer, now, 20, kind="purchase", initiated_by="customer", outcome="exceeded")
    _log(customer, now, 30, kind="purchase", satisfaction=2, outcome="fell_short")
    _log(customer, now, 40, kind="note", satisfaction=5, outcome="exceeded")  # not a contact
    _log(customer, now, 400, kind="purchase", initiated_by="customer", satisfaction=1)  # too old
    _log(CustomerFactory(), now, 1, kind="purchase")  # someone else
    ComplaintFactory(customer=customer, opened_at=now - 5 * D)  # open
    ComplaintFactory(customer=customer, opened_at=now - 400 * D)  # open, but from before
    ComplaintFactory(
        customer=customer,
        status="resolved",
        resolved_at=now - 50 * D,
        remedy="refund",
        remedy_accepted=True,
    )
    ComplaintFactory(
        customer=customer,
        status="closed",
        resolved_at=now - 60 * D,
        remedy="refund",
        remedy_accepted=False,
    )
    answered_survey(customer=customer, answered_at=now - 90 * D, recommend=3)
    answered_survey(
        customer=customer,
        answered_at=now - 9 * D,
        recommend=8,
        considered_switching="rather_not_say",
    )

    with django_assert_num_queries(3):
        inputs = load_inputs(customer, now)

    # Each complaint factory logs its complaint interaction too, dated now.
    assert inputs == LoyaltyInputs(
        ratings=3,  # 4, 2 and the note's 5
        rating_sum=11,
        exceeded=1,  # the note's does not count: not customer-facing
        met=1,
        fell_short=1,
        contacts=3 + 4,  # the call, two purchases, and the four complaints' calls
        started_by_customer=2,
        purchases=2,
        tenure_days=500,
        recommend=8,
        switching="rather_not_say",
        unresolved_complaints=1,
        recovered_complaints=1,
    )


@pytest.mark.django_db
def test_recomputing_stores_the_score_and_a_sentence_per_factor_and_leaves_the_audit_alone(now):
    customer = CustomerFactory(customer_since=timezone.localdate() - 500 * D)
    _log(customer, now, 3, kind="purchase", initiated_by="customer", satisfaction=5)
    answered_survey(customer=customer, answered_at=now - D, recommend=10)
    updated_at, history = customer.updated_at, customer.history.count()

    score = loyalty_recompute(customer.pk, now)

    customer.refresh_from_db()
    # satisfaction 100 (one 5), initiative 100 (1 of 1), repeat buying 40, advocacy 100,
    # resistance 100 (said no): (3000 + 1500 + 800 + 2000 + 1500) / 100 = 88
    assert score == customer.loyalty_score == 88
    assert customer.loyalty_factors["repeat_buying"] == {
        "value": 40,
        "reason": "1 purchase in the last 12 months.",
    }
    assert customer.loyalty_factors["initiative"]["reason"] == "Started 1 of 1 contact this year."
    assert customer.loyalty_computed_at == now
    assert customer.updated_at == updated_at
    assert customer.history.count() == history


@pytest.mark.django_db
def test_a_customer_with_too_little_to_go_on_has_no_score(now):
    customer = CustomerFactory(customer_since=timezone.localdate())

    assert loyalty_recompute(customer.pk, now) is None

    customer.refresh_from_db()
    assert customer.loyalty_score is None
    assert customer.loyalty_computed_at == now
    assert customer.loyalty_factors["advocacy"]["value"] is None


@pytest.mark.django_db
def test_the_task_skips_a_customer_who_is_gone():
    assert recompute_loyalty.apply(args=(987654,)).get() is None


@pytest.mark.django_db
def test_the_refresh_recomputes_the_oldest_scores_first(now, settings):
    settings.LOYALTY_REFRESH_DAYS = 7
    never = CustomerFactory(name="Never")
    stale = CustomerFactory(name="Stale")
    fresh = CustomerFactory(name="Fresh")
    archived = CustomerFactory(name="Archived", archived_at=now)
    Customer.objects.filter(pk=stale.pk).update(loyalty_computed_at=now - 8 * D)
    Customer.objects.filter(pk=fresh.pk).update(loyalty_computed_at=now - 6 * D)

    assert loyalty_refresh_stale(now, limit=1) == 1
    assert Customer.objects.get(pk=never.pk).loyalty_computed_at == now
    assert loyalty_refresh_stale(now) == 1
    assert Customer.objects.get(pk=stale.pk).loyalty_computed_at == now
    assert loyalty_refresh_stale(now) == 0
    assert Customer.objects.get(pk=archived.pk).loyalty_computed_at is None


# Recomputed when an input changes -------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """The customer ids recompute_loyalty was enqueued for."""
    ids = []
    monkeypatch.setattr(recompute_loyalty, "delay", ids.append)
    return ids


@pytest.mark.django_db
def test_logging_an_interaction_queues_a_recomputation_once_it_commits(
    queued, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()

    with django_capture_on_commit_callbacks() as callbacks:
        interaction_log(customer=customer, author=customer.owner, kind="note", summary="Noted")
        assert queued == []  # not before the commit: the task must see the interaction
    for callback in callbacks:
        callback()

    assert queued == [customer.pk]


@pytest.mark.django_db
def test_interactions_reach_the_recomputation_only_through_the_signal_voice_connects(
    queued, django_capture_on_commit_callbacks
):
    # interactions sits below voice and may not import it: it sends a signal, and voice's
    # AppConfig.ready connects the recomputation to it.
    customer = CustomerFactory()
    assert customer_experience_changed.disconnect(dispatch_uid="voice.loyalty.recompute")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            interaction_log(customer=customer, author=customer.owner, summary="Call")
    finally:
        apps.get_app_config("voice").ready()
    assert queued == []

    with django_capture_on_commit_callbacks(execute=True):
        interaction_log(customer=customer, author=customer.owner, summary="Call again")

    assert queued == [customer.pk]


@pytest.mark.django_db
def test_one_transaction_queues_one_recomputation_per_customer(
    queued, django_capture_on_commit_callbacks
):
    ada, grace = CustomerFactory(), CustomerFactory()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for customer in (ada, grace, ada, ada):
            interaction_log(customer=customer, author=customer.owner, summary="Call")

    assert queued == [ada.pk, grace.pk]


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_swallow_a_later_recomputation(
    queued, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                interaction_log(customer=customer, author=customer.owner, summary="Call")
                raise RuntimeError
        except RuntimeError:
            pass
        interaction_log(customer=customer, author=customer.owner, summary="Call again")

    assert queued == [customer.pk]


@pytest.mark.django_db
def test_correcting_an_interaction_queues_a_recomputation(
    queued, django_capture_on_commit_callbacks
):
    interaction = InteractionFactory()

    with django_capture_on_commit_callbacks(execute=True):
        interaction_update(interaction, outcome=Interaction.Outcome.EXCEEDED)

    assert queued == [interaction.customer_id]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moves", "queues"),
    [
        (["resolved"], True),
        (["resolved", "closed"], True),
        (["resolved", "open"], True),
        (["acknowledged"], False),
        (["in_progress"], False),
    ],
)
def test_a_complaint_resolved_closed_or_reopened_queues_a_recomputation(
    queued, django_capture_on_commit_callbacks, moves, queues
):
    complaint = ComplaintFactory()

    for move in moves:
        with django_capture_on_commit_callbacks(execute=True):
            complaint_transition(
                complaint, to_status=move, actor=complaint.assignee, resolution_summary="Fixed."
            )

    assert (complaint.customer_id in queued) is queues


@pytest.mark.django_db
def test_an_accepted_remedy_queues_a_recomputation(queued, django_capture_on_commit_callbacks):
    complaint = ComplaintFactory()

    with django_capture_on_commit_callbacks(execute=True):
        complaint_update(complaint, actor=complaint.assignee, remedy="refund", remedy_accepted=True)

    assert queued == [complaint.customer_id]


@pytest.mark.django_db
def test_the_score_follows_a_new_purchase_through_the_task(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    customer = CustomerFactory(customer_since=timezone.localdate() - 500 * D)
    answered_survey(customer=customer, answered_at=timezone.now() - D, recommend=6)
    loyalty_recompute(customer.pk)
    customer.refresh_from_db()
    # Advocacy 60, repeat buying 0, resistance 100: (1200 + 0 + 1500) / 55 = 49.1
    assert customer.loyalty_score == 49

    with django_capture_on_commit_callbacks(execute=True):
        interaction_log(
            customer=customer,
            author=customer.owner,
            kind="purchase",
            summary="Annual service",
            initiated_by="customer",
        )

    customer.refresh_from_db()
    # Initiative 100 joins, repeat buying 40: (1500 + 800 + 1200 + 1500) / 70 = 71.4
    assert customer.loyalty_score == 71


# Where it shows -------------------------------------------------------------------------------


def _scored(customer, score, **factors):
    stored = {name: {"value": None, "reason": f"No {name}."} for name in loyalty.WEIGHTS}
    stored.update(factors)
    Customer.objects.filter(pk=customer.pk).update(
        loyalty_score=score, loyalty_factors=stored, loyalty_computed_at=timezone.now()
    )


@pytest.mark.django_db
def test_the_profile_shows_the_score_and_each_factor_with_its_sentence(staff_client):
    customer = CustomerFactory()
    _scored(
        customer,
        72,
        satisfaction={"value": 80, "reason": "Rated us <b>4.2</b> of 5."},
        initiative={"value": 30, "reason": "Started 3 of 10 contacts this year."},
    )

    content = staff_client.get(f"/customers/{customer.pk}/").content.decode()

    assert 'id="loyalty-heading"' in content
    assert '<span class="fs-4 fw-semibold">72</span>' in content
    assert "Loyal" in content
    assert "Started 3 of 10 contacts this year." in content
    assert "Rated us &lt;b&gt;4.2&lt;/b&gt; of 5." in content
    assert "No advocacy." in content
    for label in ("Satisfaction", "Initiative", "Repeat buying", "Advocacy", "Resistance"):
        assert label in content


@pytest.mark.django_db
def test_without_a_score_the_profile_says_there_is_not_enough_to_go_on(staff_client):
    customer = CustomerFactory()

    content = staff_client.get(f"/customers/{customer.pk}/").content.decode()

    assert "Not enough to go on yet" in content


@pytest.mark.django_db
def test_showing_the_score_costs_no_query_and_computes_nothing(staff_client):
    plain, scored = CustomerFactory(), CustomerFactory()
    _scored(scored, 40, advocacy={"value": 40, "reason": "Would recommend us 4 out of 10."})
    computed_at = Customer.objects.get(pk=scored.pk).loyalty_computed_at

    with CaptureQueriesContext(connection) as without_score:
        staff_client.get(f"/customers/{plain.pk}/")
    with CaptureQueriesContext(connection) as with_score:
        staff_client.get(f"/customers/{scored.pk}/")

    assert len(with_score) == len(without_score)
    assert Customer.objects.get(pk=scored.pk).loyalty_computed_at == computed_at
    assert Customer.objects.get(pk=plain.pk).loyalty_computed_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("loyalty", ["Low", "Middle", "High", "Unknown"]),
        ("-loyalty", ["High", "Middle", "Low", "Unknown"]),
    ],
)
def test_the_customer_list_sorts_by_loyalty_with_the_unscored_last(staff_client, sort, expected):
    for name, score in (("Middle", 50), ("Unknown", None), ("High", 90), ("Low", 10)):
        _scored(CustomerFactory(name=name), score)

    response = staff_client.get(f"/customers/?sort={sort}")

    assert [c.name for c in response.context["page"].object_list] == expected
    assert '<span class="badge text-bg-danger">10</span>' in response.content.decode()


@pytest.mark.django_db
def test_a_low_loyalty_score_puts_a_customer_on_the_at_risk_list():
    now, today = timezone.now(), timezone.localdate()
    in_touch = {"next_checkin_due": today + 30 * D}  # nothing else puts them at risk
    _scored(CustomerFactory(name="Wavering", **in_touch), 15)
    _scored(CustomerFactory(name="Content", **in_touch), 85)
    _scored(CustomerFactory(name="Lukewarm", **in_touch), 45)

    risks = at_risk.customers_at_risk(today, now)

    assert [(r.customer.name, r.loyalty, r.low_loyalty) for r in risks] == [("Wavering", 15, True)]
    assert risks[0].score == 40 - 15
