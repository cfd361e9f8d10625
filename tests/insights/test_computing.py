"""The insight tables computed from hand-built data: themes and their stems, what rises, causes,
the expectation gap by segment and the wishes several customers share."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Customer
from insights.computing import insights_compute
from insights.models import (
    CauseCount,
    InsightsRun,
    RisingTheme,
    SegmentGap,
    ThemeCount,
    WantedTheme,
)
from interactions.models import Complaint
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory, InteractionFactory
from tests.voice.factories import FeedbackSubmissionFactory, answered_survey

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def now():
    return timezone.now()


def _said(customer, message, when):
    return FeedbackSubmissionFactory(customer=customer, message=message, created_at=when)


def _customers(n, **fields):
    return [CustomerFactory(**fields) for _ in range(n)]


def test_evening_and_evenings_are_one_theme_that_rises_from_a_steady_base(now):
    for week in range(1, 9):
        _said(CustomerFactory(), "Could you open in the evening?", now - (7 * week + 2) * DAY)
    this_week = _customers(6)
    for n, customer in enumerate(this_week):
        word = "evening" if n % 2 else "evenings"
        _said(customer, f"Please open {word}: I work all day.", now - (n % 5 + 1) * DAY)

    insights_compute(now)

    (rising,) = RisingTheme.objects.filter(theme="even")
    assert rising.mentions == 6
    assert rising.expected == 1
    assert rising.word in ("evening", "evenings")
    assert sorted(rising.customer_ids) == sorted(c.pk for c in this_week)
    assert not ThemeCount.objects.filter(theme__in=["evening", "evenings", "the", "you"]).exists()


def test_a_wobbling_theme_and_two_mentions_are_not_trends(now):
    for week, n in enumerate([3, 7, 4, 6, 5, 8, 2, 5], start=1):
        for customer in _customers(n):
            _said(customer, "The parking is awful", now - (7 * week + 1) * DAY)
    for customer in _customers(7):
        _said(customer, "Parking again", now - DAY)
    for customer in _customers(2):
        _said(customer, "A broken umbrella stand", now - DAY)

    insights_compute(now)

    assert not RisingTheme.objects.exists()
    assert ThemeCount.objects.get(theme="park", week=0, segment="established").mentions == 7


def test_a_text_counts_once_per_theme_and_per_segment(now):
    newcomer = CustomerFactory(customer_since=timezone.localdate() - 10 * DAY)
    old_hand = CustomerFactory(customer_since=timezone.localdate() - 900 * DAY)
    _said(newcomer, "Delivery late, delivery wrong, delivery again", now - DAY)
    _said(old_hand, "The delivery was late", now - DAY)

    insights_compute(now)

    counts = {c.segment: c.mentions for c in ThemeCount.objects.filter(theme="deliveri", week=0)}
    assert counts == {"new": 1, "established": 1}


def test_staff_written_case_titles_and_survey_wishes_count_and_old_texts_do_not(now):
    customers = _customers(6)
    for customer in customers[:3]:
        ComplaintFactory(customer=customer, summary="Invoice wrong", opened_at=now - DAY)
    for customer in customers[3:]:
        answered_survey(
            customer=customer, answered_at=now - 2 * DAY, unmet_want="Invoices by email"
        )
    _said(CustomerFactory(), "Invoice from last year", now - 400 * DAY)

    insights_compute(now)

    (rising,) = RisingTheme.objects.all()
    assert (rising.theme, rising.mentions) == ("invoic", 6)


def test_complaints_by_cause_with_missed_targets_and_customers_lost(now):
    lost = CustomerFactory(status=Customer.Status.LOST)
    on_time = {"resolved_at": now - DAY, "status": Complaint.Status.RESOLVED}
    ComplaintFactory(customer=lost, cause=Complaint.Cause.SYSTEM, **on_time)
    ComplaintFactory(cause=Complaint.Cause.SYSTEM, **on_time)
    late = ComplaintFactory(cause=Complaint.Cause.SYSTEM, **on_time)
    Complaint.objects.filter(pk=late.pk).update(resolve_by=now - 2 * DAY)
    ComplaintFactory(cause=Complaint.Cause.PEOPLE, resolved_at=now - 9 * DAY, status="resolved")
    ComplaintFactory(status=Complaint.Status.OPEN)  # not resolved: not counted

    insights_compute(now)

    system = CauseCount.objects.get(week=0, cause="system")
    assert (system.complaints, system.breached, system.lost_customers) == (3, 1, 1)
    assert CauseCount.objects.get(week=1, cause="people").complaints == 1
    assert CauseCount.objects.count() == 2


def test_the_expectation_gap_per_segment_now_and_before(now):
    author = UserFactory()
    customer = CustomerFactory(customer_since=timezone.localdate() - 900 * DAY)
    for outcome, days in [("exceeded", 3), ("exceeded", 4), ("fell_short", 5), ("met", 6)]:
        InteractionFactory(
            customer=customer, author=author, outcome=outcome, occurred_at=now - days * DAY
        )
    InteractionFactory(
        customer=customer, author=author, outcome="fell_short", occurred_at=now - 40 * DAY
    )
    InteractionFactory(
        customer=customer, author=author, kind="note", outcome="exceeded", occurred_at=now - DAY
    )

    insights_compute(now)

    recent = SegmentGap.objects.get(period=0, segment="established")
    before = SegmentGap.objects.get(period=1, segment="established")
    assert (recent.exceeded, recent.fell_short, recent.known) == (2, 1, 4)
    assert recent.gap == 25
    assert before.gap == -100


def test_wishes_several_customers_share(now):
    for customer in _customers(2):
        Customer.objects.filter(pk=customer.pk).update(
            unmet_wants="Saturday opening (survey, 7 Dec 2026)"
        )
    answered_survey(customer=CustomerFactory(), answered_at=now - DAY, unmet_want="Open Saturdays")
    # The note Rapport adds to a wish from a survey is not the customer's words.
    Customer.objects.filter(pk=CustomerFactory().pk).update(
        unmet_wants="A loyalty card (survey, 1 Dec 2026)"
    )

    insights_compute(now)

    wanted = {theme.theme: theme.customers for theme in WantedTheme.objects.all()}
    assert wanted == {"saturday": 3, "open": 3}  # "opening" and "open" are one stem


def test_each_run_replaces_the_last(now):
    for customer in _customers(6):
        _said(customer, "Evening hours please", now - DAY)
    insights_compute(now)
    first = sorted(RisingTheme.objects.values_list("theme", flat=True))
    insights_compute(now)

    assert sorted(RisingTheme.objects.values_list("theme", flat=True)) == first
    assert "even" in first
    assert InsightsRun.objects.count() == 1
    assert InsightsRun.objects.get().seconds >= 0

    insights_compute(now + 30 * DAY)  # a month on, nothing said since

    assert not RisingTheme.objects.exists()
