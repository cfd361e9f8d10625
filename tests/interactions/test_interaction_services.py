import datetime
import queue

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from interactions import services
from interactions.follow_ups.services import followup_done, followup_snooze
from interactions.models import FollowUp, Interaction
from tests.concurrency import at_once
from tests.factories import CustomerFactory

from .factories_timeline import FollowUpFactory, InteractionFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def established(staff_user):
    """A customer for a year (established: 60-day cadence), last called 30 days ago."""
    customer = CustomerFactory(owner=staff_user, customer_since=timezone.localdate() - 365 * DAY)
    _log(customer, staff_user, occurred_at=timezone.now() - 30 * DAY)
    customer.refresh_from_db()
    return customer


def _log(customer, author, **fields):
    fields.setdefault("kind", Interaction.Kind.CALL)
    fields.setdefault("summary", "Spoke about the renewal")
    return services.interaction_log(customer=customer, author=author, **fields)


# The keep-in-touch clock ------------------------------------------------------------------------


def test_logging_a_check_in_restarts_the_clock_from_the_customers_cadence(established, staff_user):
    now = timezone.now()

    _log(established, staff_user, kind=Interaction.Kind.CHECK_IN, occurred_at=now)

    established.refresh_from_db()
    assert established.last_contact_at == now
    assert established.next_checkin_due == timezone.localdate(now) + 60 * DAY


def test_a_new_customer_is_checked_on_after_fourteen_days(staff_user):
    customer = CustomerFactory(owner=staff_user, customer_since=timezone.localdate() - 10 * DAY)
    now = timezone.now()

    _log(customer, staff_user, kind=Interaction.Kind.MEETING, occurred_at=now)

    customer.refresh_from_db()
    assert customer.next_checkin_due == timezone.localdate(now) + 14 * DAY


def test_the_customers_own_cadence_wins(established, staff_user):
    established.checkin_cadence_days = 7
    established.save()
    now = timezone.now()

    _log(established, staff_user, kind=Interaction.Kind.EMAIL, occurred_at=now)

    established.refresh_from_db()
    assert established.next_checkin_due == timezone.localdate(now) + 7 * DAY


def test_a_note_does_not_restart_the_clock(established, staff_user):
    before = (established.last_contact_at, established.next_checkin_due)

    _log(established, staff_user, kind=Interaction.Kind.NOTE, summary="Prefers mornings")

    established.refresh_from_db()
    assert (established.last_contact_at, established.next_checkin_due) == before
    assert Interaction.objects.filter(customer=established, kind="note").count() == 1


def test_back_dating_before_the_last_contact_does_not_move_it_back(established, staff_user):
    before = (established.last_contact_at, established.next_checkin_due)

    _log(established, staff_user, occurred_at=timezone.now() - 45 * DAY)

    established.refresh_from_db()
    assert (established.last_contact_at, established.next_checkin_due) == before


def test_a_back_dated_call_after_the_last_contact_counts_from_when_it_happened(
    established, staff_user
):
    three_days_ago = timezone.now() - 3 * DAY

    _log(established, staff_user, occurred_at=three_days_ago)

    established.refresh_from_db()
    assert established.last_contact_at == three_days_ago
    assert established.next_checkin_due == timezone.localdate(three_days_ago) + 60 * DAY


def test_the_future_is_refused_and_nothing_is_saved(established, staff_user):
    before = (established.last_contact_at, established.next_checkin_due)

    with pytest.raises(ValidationError) as refused:
        _log(established, staff_user, occurred_at=timezone.now() + 2 * DAY)

    assert "occurred_at" in refused.value.message_dict
    assert Interaction.objects.count() == 1  # only the fixture's earlier call
    established.refresh_from_db()
    assert (established.last_contact_at, established.next_checkin_due) == before


def test_a_refusal_leaves_the_callers_transaction_usable(established, staff_user):
    with transaction.atomic():
        with pytest.raises(ValidationError):
            _log(established, staff_user, occurred_at=timezone.now() + 2 * DAY)
        # The caller goes on in the same transaction, as a form re-shown with its errors does.
        _log(established, staff_user, summary="Logged after the refusal")

    assert Interaction.objects.filter(summary="Logged after the refusal").exists()


def test_the_caller_sees_the_new_dates_without_reloading(established, staff_user):
    now = timezone.now()

    _log(established, staff_user, kind=Interaction.Kind.CHECK_IN, occurred_at=now)

    assert established.next_checkin_due == timezone.localdate(now) + 60 * DAY


def test_a_cadence_changed_since_the_customer_was_read_is_the_one_counted(established, staff_user):
    Customer.objects.filter(pk=established.pk).update(checkin_cadence_days=7)
    now = timezone.now()

    _log(established, staff_user, kind=Interaction.Kind.CHECK_IN, occurred_at=now)

    assert established.next_checkin_due == timezone.localdate(now) + 7 * DAY
    established.refresh_from_db()
    assert established.last_contact_at == now
    assert established.next_checkin_due == timezone.localdate(now) + 7 * DAY


def test_a_later_contact_logged_since_the_customer_was_read_is_kept(established, staff_user):
    held = Customer.objects.get(pk=established.pk)
    later = timezone.now() - DAY
    _log(established, staff_user, occurred_at=later)

    _log(held, staff_user, occurred_at=timezone.now() - 2 * DAY)

    assert held.last_contact_at == later
    assert held.next_checkin_due == timezone.localdate(later) + 60 * DAY


def test_the_last_contact_is_derived_so_the_audit_trail_shows_the_interaction_alone(
    established, staff_user
):
    history = established.history.count()

    interaction = _log(established, staff_user, occurred_at=timezone.now())

    assert established.history.count() == history
    assert interaction.history.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_logging_at_once_leave_the_later_contact(staff_user):
    customer = CustomerFactory(owner=staff_user, customer_since=timezone.localdate() - 365 * DAY)
    times = [timezone.now() - 2 * DAY, timezone.now() - DAY]
    pending = queue.SimpleQueue()  # each thread takes one of the times

    def log():
        held = Customer.objects.get(pk=customer.pk)
        _log(held, staff_user, occurred_at=pending.get())

    for _ in range(5):
        for when in times:
            pending.put(when)
        at_once(log)
        customer.refresh_from_db()
        assert customer.last_contact_at == times[1]
        assert customer.next_checkin_due == timezone.localdate(times[1]) + 60 * DAY
        Customer.objects.filter(pk=customer.pk).update(last_contact_at=None)


def test_turning_the_latest_call_into_a_note_falls_back_to_the_call_before(staff_user):
    customer = CustomerFactory(owner=staff_user, customer_since=timezone.localdate() - 365 * DAY)
    older = timezone.now() - 10 * DAY
    _log(customer, staff_user, occurred_at=older)
    latest = _log(customer, staff_user, occurred_at=timezone.now() - DAY)

    services.interaction_update(latest, kind=Interaction.Kind.NOTE)

    customer.refresh_from_db()
    assert customer.last_contact_at == older
    assert customer.next_checkin_due == timezone.localdate(older) + 60 * DAY


def test_correcting_a_time_into_the_future_is_refused(staff_user):
    interaction = InteractionFactory(author=staff_user)

    with pytest.raises(ValidationError):
        services.interaction_update(interaction, occurred_at=timezone.now() + DAY)


# Follow-ups -----------------------------------------------------------------------------------


def test_done_by_the_due_date_is_on_time(staff_user):
    follow_up = FollowUpFactory(assignee=staff_user, due_on=timezone.localdate())

    assert followup_done(follow_up) is True

    follow_up.refresh_from_db()
    assert follow_up.done_at is not None
    assert follow_up.done_on_time is True


def test_done_after_the_due_date_is_late(staff_user):
    follow_up = FollowUpFactory(assignee=staff_user, due_on=timezone.localdate() - 2 * DAY)

    followup_done(follow_up)

    follow_up.refresh_from_db()
    assert follow_up.done_on_time is False


def test_done_twice_is_recorded_once(staff_user):
    follow_up = FollowUpFactory(assignee=staff_user, due_on=timezone.localdate())
    first_at = timezone.now() - datetime.timedelta(hours=2)
    followup_done(follow_up, at=first_at)

    again = FollowUp.objects.get(pk=follow_up.pk)
    assert followup_done(again, at=timezone.now() + 3 * DAY) is False

    follow_up.refresh_from_db()
    assert follow_up.done_at == first_at
    assert follow_up.done_on_time is True


def test_snoozing_keeps_the_due_date(staff_user):
    due = timezone.localdate() - DAY
    follow_up = FollowUpFactory(assignee=staff_user, due_on=due)

    followup_snooze(follow_up, until=timezone.localdate() + 7 * DAY)

    follow_up.refresh_from_db()
    assert follow_up.due_on == due
    assert follow_up.snoozed_until == timezone.localdate() + 7 * DAY
    assert follow_up.next_due == timezone.localdate() + 7 * DAY


@pytest.mark.parametrize("days", [0, -1])
def test_snoozing_to_today_or_the_past_is_refused(staff_user, days):
    follow_up = FollowUpFactory(assignee=staff_user)

    with pytest.raises(ValidationError) as refused:
        followup_snooze(follow_up, until=timezone.localdate() + days * DAY)

    assert "until" in refused.value.message_dict
    follow_up.refresh_from_db()
    assert follow_up.snoozed_until is None
