"""The dashboard's at-risk list on PostgreSQL: the statement that scores every candidate, the
shortlist beat chooses from it, and the triggers that add a customer whose risk jumps."""

import datetime
import random
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from crm import at_risk
from crm.celery import app as celery_app
from crm.models import AtRiskCandidate, AtRiskShortlist
from customers import services as customer_services
from interactions.models import Complaint
from tests.factories import CustomerFactory
from tests.interactions.factories import ComplaintFactory, InteractionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

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


def candidates() -> set[int]:
    return set(AtRiskCandidate.objects.values_list("customer_id", flat=True))


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
def test_every_way_of_scoring_picks_the_same_worst(
    now, today, staff_user, monkeypatch, seed, loyalty_scores
):
    """PostgreSQL's statement over every candidate, the same over the chosen shortlist, and
    scoring every candidate in Python pick the same twenty, with the same facts."""
    random_book(random.Random(seed), staff_user, now, today, loyalty_scores)

    every_candidate = at_risk._at_risk_rows(today, now)
    assert at_risk.shortlist_choose(now) == at_risk.SHORTLIST_SIZE
    shortlisted = at_risk._at_risk_rows(today, now)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    in_python = at_risk._at_risk_rows(today, now)

    assert len(every_candidate) == at_risk.AT_RISK_LIMIT
    assert [row[:5] for row in every_candidate] == [row[:5] for row in in_python]
    assert [row[5] for row in every_candidate] == pytest.approx([row[5] for row in in_python])
    assert shortlisted == every_candidate


def test_choosing_keeps_the_likeliest_and_drops_the_rest(now, today, staff_user):
    random_book(random.Random(2), staff_user, now, today, [None, 20, 60], customers=150)
    AtRiskCandidate.objects.all().delete()
    # Someone a trigger added earlier who has since settled down.
    settled = CustomerFactory(owner=staff_user, next_checkin_due=today + 30 * D)
    AtRiskCandidate.objects.create(customer=settled)

    at_risk.shortlist_choose(now)

    with connection.cursor() as cursor:
        cursor.execute(
            at_risk.AT_RISK_SQL, at_risk._params(today, now, limit=at_risk.SHORTLIST_SIZE)
        )
        likeliest = {row[0] for row in cursor.fetchall()}
    assert len(likeliest) == at_risk.SHORTLIST_SIZE
    assert candidates() == likeliest
    assert settled.pk not in candidates()
    assert AtRiskShortlist.objects.get().chosen_at == now


def test_a_risk_that_jumps_after_choosing_is_on_the_list_at_once(now, today, staff_user):
    random_book(random.Random(4), staff_user, now, today, [None, 50])
    quiet = CustomerFactory(name="Quiet", owner=staff_user, next_checkin_due=today + 9 * D)
    at_risk.shortlist_choose(now)
    assert quiet.pk not in candidates()
    assert "Quiet" not in names_at_risk(today, now)

    for _ in range(4):
        ComplaintFactory(customer=quiet, assignee=staff_user, opened_by=staff_user)
    InteractionFactory(customer=quiet, author=staff_user, outcome="fell_short", occurred_at=now)

    assert quiet.pk in candidates()
    (first, *_) = at_risk.customers_at_risk(today, now)
    assert (first.customer, first.open_complaints, first.fell_short) == (quiet, 4, 1)


def test_what_cannot_raise_a_risk_adds_no_candidate(now, today, staff_user):
    customer = CustomerFactory(owner=staff_user, loyalty_score=80, next_checkin_due=today + 9 * D)
    at_risk.shortlist_choose(now)
    assert not candidates()

    InteractionFactory(customer=customer, author=staff_user, outcome="met", occurred_at=now)
    InteractionFactory(
        customer=customer, author=staff_user, outcome="fell_short", occurred_at=now - 31 * D
    )
    ComplaintFactory(customer=customer, status=Complaint.Status.RESOLVED, resolved_at=now)
    customer_services.customer_update(customer, notes="Asked about opening hours.")
    type(customer).objects.filter(pk=customer.pk).update(loyalty_score=60)

    assert customer.pk not in candidates()


def test_a_reopened_case_a_corrected_outcome_and_a_fallen_score_add_candidates(
    now, today, staff_user
):
    reopened, corrected, wavering, restored = CustomerFactory.create_batch(
        4, owner=staff_user, next_checkin_due=today + 9 * D
    )
    case = ComplaintFactory(customer=reopened, status=Complaint.Status.RESOLVED, resolved_at=now)
    talk = InteractionFactory(customer=corrected, author=staff_user, outcome="met")
    type(restored).objects.filter(pk=restored.pk).update(archived_at=now)
    at_risk.shortlist_choose(now)
    assert not candidates() & {reopened.pk, corrected.pk, wavering.pk, restored.pk}

    Complaint.objects.filter(pk=case.pk).update(status=Complaint.Status.OPEN)
    type(talk).objects.filter(pk=talk.pk).update(outcome="fell_short")
    type(wavering).objects.filter(pk=wavering.pk).update(loyalty_score=15)
    type(restored).objects.filter(pk=restored.pk).update(archived_at=None)

    assert {reopened.pk, corrected.pk, wavering.pk, restored.pk} <= candidates()


def test_a_stale_or_missing_shortlist_scores_every_candidate(now, today, staff_user):
    """What no trigger follows, such as a check-in due date moved back by hand, reaches the
    list when the shortlist is next chosen; until then only if beat has stopped choosing."""
    random_book(random.Random(5), staff_user, now, today, [None])
    forgotten = CustomerFactory(name="Forgotten", owner=staff_user, loyalty_score=0)
    for _ in range(6):
        ComplaintFactory(customer=forgotten, assignee=staff_user, opened_by=staff_user)
    assert "Forgotten" in names_at_risk(today, now)  # never chosen: every candidate scored

    at_risk.shortlist_choose(now)
    AtRiskCandidate.objects.filter(customer=forgotten).delete()  # as if it had not been chosen
    assert "Forgotten" not in names_at_risk(today, now)

    stale = datetime.timedelta(seconds=3 * settings.CHOOSE_AT_RISK_EVERY_SECONDS)
    later = now + stale + datetime.timedelta(seconds=1)
    assert "Forgotten" in names_at_risk(today, later)


def test_beat_chooses_the_candidates_and_a_command_does_it_by_hand(now, today, staff_user):
    entry = settings.CELERY_BEAT_SCHEDULE["choose-at-risk-candidates"]
    celery_app.loader.import_default_modules()  # what a worker does on start
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == settings.CHOOSE_AT_RISK_EVERY_SECONDS
    overdue = CustomerFactory(owner=staff_user, next_checkin_due=today - 40 * D)

    out = StringIO()
    call_command("choose_at_risk", stdout=out)

    assert out.getvalue() == "At-risk candidates chosen: 1\n"
    assert candidates() == {overdue.pk}


def test_sqlite_keeps_no_shortlist(now, today, staff_user, monkeypatch):
    CustomerFactory(owner=staff_user, next_checkin_due=today - 40 * D)
    monkeypatch.setattr(connection, "vendor", "sqlite")

    assert at_risk.shortlist_choose(now) == 0
    assert not AtRiskShortlist.objects.exists()
