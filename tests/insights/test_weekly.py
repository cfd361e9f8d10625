"""The weekly "what's changing" email: once per manager and week, however many beats and workers
run it, and not at all when nothing changed."""

import datetime

import pytest
from django.utils import timezone

from core.models import OutgoingEmail
from customers.models import Customer
from insights import tasks
from insights.computing import insights_compute
from insights.models import WeeklyChanges
from insights.weekly import weekly_changes, weekly_changes_send
from interactions.models import Complaint, Interaction
from tests.concurrency import at_once
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory, InteractionFactory
from tests.voice.factories import FeedbackSubmissionFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _weekly_settings(settings):
    settings.INSIGHTS_WEEKLY_WEEKDAY = 0  # Monday
    settings.INSIGHTS_WEEKLY_HOUR = 7
    settings.SITE_URL = "http://rapport.example"


def _monday_at(hour):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time(hour, 30)))


@pytest.fixture
def managers(db):
    return [
        UserFactory(username="mona", first_name="Mona", role="Manager"),
        UserFactory(username="max", first_name="Max", role="Manager"),
    ]


def _something_rises(now):
    customers = [CustomerFactory(name=f"Evening {n}") for n in range(6)]
    for customer in customers:
        FeedbackSubmissionFactory(
            customer=customer, message="Please open in the evenings", created_at=now - DAY
        )
    return customers


def _emails():
    return OutgoingEmail.objects.filter(kind="weekly-changes")


@pytest.mark.django_db
def test_each_manager_hears_once_of_what_rose_with_the_customers_named(managers):
    now = _monday_at(8)
    customers = _something_rises(now)
    insights_compute(now)

    assert weekly_changes_send(now) == 2
    assert weekly_changes_send(now) == 0
    assert weekly_changes_send(now + 3 * datetime.timedelta(hours=1)) == 0

    emails = _emails()
    assert sorted(e.to for e in emails) == ["max@example.com", "mona@example.com"]
    body = emails[0].body_text
    assert "“evenings” is rising: 6 mentions in the last seven days" in body
    first = sorted(c.name for c in customers)[0]
    assert first in body
    assert f"http://rapport.example/customers/{Customer.objects.get(name=first).pk}/" in body
    assert WeeklyChanges.objects.count() == 2


@pytest.mark.django_db
def test_nothing_changed_no_email(managers):
    now = _monday_at(8)
    insights_compute(now)

    assert weekly_changes(now) == []
    assert weekly_changes_send(now) == 0
    assert not _emails().exists()


@pytest.mark.django_db
def test_not_before_its_hour_nor_on_another_day(managers):
    now = _monday_at(8)
    _something_rises(now)
    insights_compute(now)

    assert weekly_changes_send(_monday_at(6)) == 0
    assert weekly_changes_send(_monday_at(8) + DAY) == 0
    assert not _emails().exists()


@pytest.mark.django_db
def test_a_sharp_fall_in_mood_is_a_change(managers):
    now = _monday_at(8)
    customer = CustomerFactory(name="Fran Fallen")
    author = UserFactory()
    for days, mood in [(40, 5), (30, 4), (20, 5), (1, Interaction.Mood.ANGRY)]:
        InteractionFactory(
            customer=customer, author=author, mood=mood, occurred_at=now - days * DAY
        )
    insights_compute(now)

    (change,) = weekly_changes(now)

    assert change["text"] == "1 customers' mood fell sharply this week."
    assert change["customers"][0]["name"] == "Fran Fallen"


@pytest.mark.django_db(transaction=True)
def test_two_beats_and_two_workers_at_once_send_each_manager_one_email(managers, monkeypatch):
    now = _monday_at(8)
    _something_rises(now)
    monkeypatch.setattr(timezone, "now", lambda: now)
    at_once(tasks.compute_insights, times=4)  # at_once fails the test on any thread's error

    assert _emails().count() == 2
    assert WeeklyChanges.objects.count() == 2


@pytest.mark.django_db
def test_a_growing_cause_and_a_widening_gap_are_changes_naming_their_customers(managers):
    now = _monday_at(8)
    author = UserFactory()
    waited = [CustomerFactory(name=f"Waited {n}") for n in range(3)]
    for customer in waited:
        ComplaintFactory(
            customer=customer,
            cause=Complaint.Cause.SYSTEM,
            status=Complaint.Status.RESOLVED,
            resolved_at=now - 3 * DAY,
        )
    let_down = CustomerFactory(name="Lou Letdown")
    for days in range(30, 40):
        InteractionFactory(
            customer=let_down, author=author, outcome="exceeded", occurred_at=now - days * DAY
        )
    for days in range(1, 11):
        InteractionFactory(
            customer=let_down, author=author, outcome="fell_short", occurred_at=now - days * DAY
        )
    insights_compute(now)

    changes = weekly_changes(now)

    texts = [change["text"] for change in changes]
    cause = next(c for c in changes if c["text"].startswith("More complaints come down to"))
    assert "3 in the last four weeks against 0 in the four before" in cause["text"]
    assert [c["name"] for c in cause["customers"]] == ["Waited 0", "Waited 1", "Waited 2"]
    gap = next(c for c in changes if "getting less than they expect" in c["text"])
    assert "from +100 to -100 points" in gap["text"]
    assert [c["name"] for c in gap["customers"]] == ["Lou Letdown"]
    assert len(texts) <= 5
