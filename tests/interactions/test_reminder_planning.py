"""Planning reminders: what falls due gets one reminder, for the right person, once; what stops
being due is closed; a breached complaint target tells the managers once."""

import datetime
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app as celery_app
from core.models import OutgoingEmail
from customers.services import customers_reassign
from interactions.complaints.services import complaint_update
from interactions.follow_ups.services import followup_done
from interactions.models import Complaint, FollowUp, Interaction, Reminder
from interactions.reminders.planning import plan_reminders
from interactions.services import interaction_log
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.outbox import queued, send_queued
from tests.real_services import private_queue

from .reminder_factories import (
    ComplaintFactory,
    FollowUpFactory,
    QuietCustomerFactory,
    days_from_today,
)

pytestmark = pytest.mark.django_db

K = Reminder.Kind
S = Reminder.State


def _rows():
    return sorted(
        Reminder.objects.values_list("kind", "object_id", "detail", "due_on", "recipient_id")
    )


def _at(year, month, day, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def owner(db):
    return UserFactory(username="owen", email="owen@example.com")


@pytest.fixture
def managers(db):
    return [
        UserFactory(username="mona", email="mona@example.com", role="Manager"),
        UserFactory(username="max", email="max@example.com", role="Manager"),
    ]


@pytest.fixture
def tasks_run_inline(monkeypatch):
    """Enqueued tasks run at once in this process: what planning queues is sent on commit."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


# Check-ins ------------------------------------------------------------------------------------


def test_a_check_in_due_today_or_earlier_reminds_the_owner(owner):
    overdue = QuietCustomerFactory(owner=owner, next_checkin_due=days_from_today(-3))
    today = QuietCustomerFactory(owner=owner, next_checkin_due=days_from_today(0))
    QuietCustomerFactory(owner=owner, next_checkin_due=days_from_today(1))

    assert plan_reminders() == 2

    assert _rows() == sorted(
        [
            (K.CHECK_IN, overdue.pk, "", days_from_today(-3), owner.pk),
            (K.CHECK_IN, today.pk, "", days_from_today(0), owner.pk),
        ]
    )
    reminder = Reminder.objects.get(object_id=overdue.pk)
    assert reminder.customer == overdue
    assert reminder.state == Reminder.State.PENDING


def test_archived_customers_and_customers_without_an_owner_get_no_reminders(owner):
    archived = QuietCustomerFactory(
        owner=owner,
        next_checkin_due=days_from_today(-10),
        birthday=days_from_today(2).replace(year=1980),
        archived_at=timezone.now(),
    )
    FollowUpFactory(customer=archived, assignee=owner, due_on=days_from_today(-1))
    QuietCustomerFactory(
        owner=None, next_checkin_due=days_from_today(-10), birthday=days_from_today(2)
    )

    assert plan_reminders() == 0
    assert Reminder.objects.count() == 0


# Follow-ups -----------------------------------------------------------------------------------


def test_an_open_follow_up_due_by_today_reminds_its_assignee(owner):
    assignee = UserFactory()
    customer = QuietCustomerFactory(owner=owner)
    overdue = FollowUpFactory(customer=customer, assignee=assignee, due_on=days_from_today(-2))
    today = FollowUpFactory(customer=customer, assignee=assignee, due_on=days_from_today(0))
    FollowUpFactory(customer=customer, assignee=assignee, due_on=days_from_today(1))
    FollowUpFactory(
        customer=customer,
        assignee=assignee,
        due_on=days_from_today(-2),
        done_at=timezone.now(),
    )
    FollowUpFactory(
        customer=customer,
        assignee=assignee,
        due_on=days_from_today(-2),
        snoozed_until=days_from_today(3),
    )

    assert plan_reminders() == 2

    assert _rows() == sorted(
        [
            (K.FOLLOW_UP, overdue.pk, "", days_from_today(-2), assignee.pk),
            (K.FOLLOW_UP, today.pk, "", days_from_today(0), assignee.pk),
        ]
    )
    assert set(Reminder.objects.values_list("customer_id", flat=True)) == {customer.pk}


# Complaint targets ----------------------------------------------------------------------------


def test_complaint_targets_within_the_notice_window_remind_the_assignee(settings, owner):
    settings.COMPLAINT_TARGET_NOTICE_HOURS = 24
    now = timezone.now()
    # Normal: respond within 24 h, resolve within 7 days. Opened an hour ago, the response
    # target is 23 h away (inside the notice window), the resolution target is not.
    unanswered = ComplaintFactory(
        customer=QuietCustomerFactory(owner=owner), opened_at=now - datetime.timedelta(hours=1)
    )
    # Low: respond within 48 h, so 47 h away: not yet.
    ComplaintFactory(
        customer=QuietCustomerFactory(owner=owner),
        severity=Complaint.Severity.LOW,
        opened_at=now - datetime.timedelta(hours=1),
    )
    # Answered, and 6 days 10 hours in: resolution due in 14 hours.
    answered = ComplaintFactory(
        customer=QuietCustomerFactory(owner=owner),
        opened_at=now - datetime.timedelta(days=6, hours=10),
        first_response_at=now - datetime.timedelta(days=6),
        status=Complaint.Status.IN_PROGRESS,
    )
    # Resolved cases are left alone whatever their targets say.
    ComplaintFactory(
        customer=QuietCustomerFactory(owner=owner),
        opened_at=now - datetime.timedelta(days=30),
        status=Complaint.Status.RESOLVED,
        first_response_at=now - datetime.timedelta(days=29),
        resolved_at=now - datetime.timedelta(days=1),
    )

    assert plan_reminders(now) == 2

    assert _rows() == sorted(
        [
            (
                K.COMPLAINT_TARGET,
                unanswered.pk,
                "respond",
                timezone.localdate(unanswered.respond_by),
                owner.pk,
            ),
            (
                K.COMPLAINT_TARGET,
                answered.pk,
                "resolve",
                timezone.localdate(answered.resolve_by),
                owner.pk,
            ),
        ]
    )


def test_breached_targets_remind_with_the_day_they_were_due(owner):
    now = timezone.now()
    # Urgent: respond within 1 h, resolve within 24 h. Opened two days ago: both breached.
    breached = ComplaintFactory(
        customer=QuietCustomerFactory(owner=owner),
        severity=Complaint.Severity.URGENT,
        opened_at=now - datetime.timedelta(days=2),
    )

    assert plan_reminders(now) == 2

    assert _rows() == sorted(
        [
            (
                K.COMPLAINT_TARGET,
                breached.pk,
                "respond",
                timezone.localdate(breached.respond_by),
                owner.pk,
            ),
            (
                K.COMPLAINT_TARGET,
                breached.pk,
                "resolve",
                timezone.localdate(breached.resolve_by),
                owner.pk,
            ),
        ]
    )


# Key dates ------------------------------------------------------------------------------------


def _keyed(owner, **dates):
    """A customer whose only dates are the ones given (these tests plan on fixed days)."""
    dates.setdefault("customer_since", datetime.date(2020, 9, 15))
    return QuietCustomerFactory(owner=owner, next_checkin_due=None, **dates)


def test_birthdays_within_the_lookahead_are_planned_for_this_years_date(settings, owner):
    settings.KEY_DATE_LOOKAHEAD_DAYS = 7
    now = _at(2026, 6, 10)
    soon = _keyed(owner, birthday=datetime.date(1980, 6, 17))
    today = _keyed(owner, birthday=datetime.date(1991, 6, 10))
    _keyed(owner, birthday=datetime.date(1980, 6, 18))  # 8 days away
    _keyed(owner, birthday=datetime.date(1980, 6, 9))  # yesterday

    assert plan_reminders(now) == 2

    assert _rows() == sorted(
        [
            (K.KEY_DATE, soon.pk, "birthday", datetime.date(2026, 6, 17), owner.pk),
            (K.KEY_DATE, today.pk, "birthday", datetime.date(2026, 6, 10), owner.pk),
        ]
    )


def test_the_lookahead_crosses_into_next_year(settings, owner):
    settings.KEY_DATE_LOOKAHEAD_DAYS = 7
    customer = _keyed(owner, birthday=datetime.date(1975, 1, 2))

    plan_reminders(_at(2026, 12, 29))

    assert _rows() == [(K.KEY_DATE, customer.pk, "birthday", datetime.date(2027, 1, 2), owner.pk)]


def test_a_29_february_birthday_is_kept_on_28_february_in_a_year_without_one(settings, owner):
    settings.KEY_DATE_LOOKAHEAD_DAYS = 7
    leapling = _keyed(owner, birthday=datetime.date(2000, 2, 29))

    plan_reminders(_at(2027, 2, 25))  # 2027 has no 29 February
    plan_reminders(_at(2028, 2, 25))  # 2028 does

    assert _rows() == sorted(
        [
            (K.KEY_DATE, leapling.pk, "birthday", datetime.date(2027, 2, 28), owner.pk),
            (K.KEY_DATE, leapling.pk, "birthday", datetime.date(2028, 2, 29), owner.pk),
        ]
    )


def test_customer_anniversaries_are_planned_but_not_in_the_first_year(settings, owner):
    settings.KEY_DATE_LOOKAHEAD_DAYS = 7
    now = _at(2026, 12, 29)
    three_years = _keyed(owner, customer_since=datetime.date(2023, 12, 31))
    # Became a customer 362 days ago: the first anniversary is in three days, next year.
    first = _keyed(owner, customer_since=datetime.date(2026, 1, 1))
    # Became a customer today: no anniversary until next year.
    _keyed(owner, customer_since=datetime.date(2026, 12, 29))

    assert plan_reminders(now) == 2

    assert _rows() == sorted(
        [
            (K.KEY_DATE, three_years.pk, "anniversary", datetime.date(2026, 12, 31), owner.pk),
            (K.KEY_DATE, first.pk, "anniversary", datetime.date(2027, 1, 1), owner.pk),
        ]
    )


def test_a_customer_since_29_february_has_the_anniversary_on_the_28th(settings, owner):
    settings.KEY_DATE_LOOKAHEAD_DAYS = 3
    customer = _keyed(owner, customer_since=datetime.date(2024, 2, 29))

    plan_reminders(_at(2027, 2, 27))

    assert _rows() == [
        (K.KEY_DATE, customer.pk, "anniversary", datetime.date(2027, 2, 28), owner.pk)
    ]


# Idempotence ----------------------------------------------------------------------------------


def _one_of_everything(owner):
    now = timezone.now()
    customer = QuietCustomerFactory(
        owner=owner, next_checkin_due=days_from_today(-1), birthday=days_from_today(3)
    )
    FollowUpFactory(customer=customer, assignee=owner, due_on=days_from_today(0))
    ComplaintFactory(
        customer=customer,
        severity=Complaint.Severity.URGENT,
        opened_at=now - datetime.timedelta(days=2),
    )
    return customer


def test_planning_twice_creates_nothing_the_second_time(owner):
    _one_of_everything(owner)

    assert plan_reminders() == 5
    first = _rows()
    assert plan_reminders() == 0

    assert _rows() == first
    # A customer's reply is told as it arrives (inbound email), never planned.
    assert {kind for kind, *_ in first} == set(K.values) - {K.COMPLAINT_REPLY}


def test_the_command_says_how_many_it_created(owner):
    _one_of_everything(owner)
    first, second = StringIO(), StringIO()

    call_command("plan_reminders", stdout=first)
    call_command("plan_reminders", stdout=second)

    assert first.getvalue() == "5 reminders created\n"
    assert second.getvalue() == "0 reminders created\n"


# Closing what is no longer due ----------------------------------------------------------------


def test_logging_a_check_in_closes_the_live_check_in_reminder(owner):
    customer = QuietCustomerFactory(owner=owner, next_checkin_due=days_from_today(-5))
    plan_reminders()
    reminder = Reminder.objects.get(kind=K.CHECK_IN)

    interaction_log(
        customer=customer, author=owner, kind=Interaction.Kind.CHECK_IN, summary="Rang them"
    )

    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.DONE
    assert reminder.done_at is not None
    customer.refresh_from_db()
    assert customer.next_checkin_due > timezone.localdate()
    # And planning does not bring it back.
    assert plan_reminders() == 0


def test_logging_closes_only_that_customers_check_in(owner):
    logged, other = (
        QuietCustomerFactory(owner=owner, next_checkin_due=days_from_today(-5)) for _ in "ab"
    )
    plan_reminders()

    interaction_log(customer=logged, author=owner, kind=Interaction.Kind.CALL, summary="Rang")

    states = dict(Reminder.objects.values_list("customer_id", "state"))
    assert states == {logged.pk: Reminder.State.DONE, other.pk: Reminder.State.PENDING}


def test_a_back_dated_call_that_moves_nothing_leaves_the_reminder_live(owner):
    customer = QuietCustomerFactory(owner=owner, next_checkin_due=days_from_today(-5))
    plan_reminders()
    interaction_log(customer=customer, author=owner, kind=Interaction.Kind.CALL, summary="Today")
    reminder = Reminder.objects.get()
    reminder.state = Reminder.State.PENDING
    reminder.save()

    interaction_log(
        customer=customer,
        author=owner,
        kind=Interaction.Kind.CALL,
        summary="Last year",
        occurred_at=timezone.now() - datetime.timedelta(days=365),
    )

    assert Reminder.objects.get().state == Reminder.State.PENDING


def test_a_note_does_not_close_the_check_in_reminder(owner):
    customer = QuietCustomerFactory(owner=owner, next_checkin_due=days_from_today(-5))
    plan_reminders()

    interaction_log(customer=customer, author=owner, kind=Interaction.Kind.NOTE, summary="Memo")

    assert Reminder.objects.get().state == Reminder.State.PENDING


def test_a_done_follow_up_has_its_reminder_closed_at_the_next_planning(owner):
    follow_up = FollowUpFactory(customer=QuietCustomerFactory(owner=owner), assignee=owner)
    plan_reminders()

    followup_done(follow_up)
    plan_reminders()

    reminder = Reminder.objects.get()
    assert reminder.state == Reminder.State.DONE
    assert reminder.done_at is not None


def test_archiving_a_customer_closes_their_check_in_reminder(owner):
    customer = QuietCustomerFactory(owner=owner, next_checkin_due=days_from_today(-5))
    plan_reminders()

    customer.archived_at = timezone.now()
    customer.save()
    plan_reminders()

    assert Reminder.objects.get().state == Reminder.State.DONE


def test_a_complaint_answered_and_resolved_closes_its_target_reminders(owner):
    complaint = ComplaintFactory(
        customer=QuietCustomerFactory(owner=owner),
        severity=Complaint.Severity.URGENT,
        opened_at=timezone.now() - datetime.timedelta(hours=23, minutes=30),
    )
    plan_reminders()
    assert set(Reminder.objects.values_list("detail", "state")) == {
        ("respond", "pending"),
        ("resolve", "pending"),
    }

    complaint.first_response_at = timezone.now()
    complaint.status = Complaint.Status.IN_PROGRESS
    complaint.save()
    plan_reminders()
    assert set(Reminder.objects.values_list("detail", "state")) == {
        ("respond", "done"),
        ("resolve", "pending"),
    }

    complaint.status = Complaint.Status.RESOLVED
    complaint.resolved_at = timezone.now()
    complaint.save()
    plan_reminders()
    assert set(Reminder.objects.values_list("detail", "state")) == {
        ("respond", "done"),
        ("resolve", "done"),
    }


def test_live_reminders_follow_the_customer_to_a_new_owner(owner):
    customer = QuietCustomerFactory(
        owner=owner, next_checkin_due=days_from_today(-5), birthday=days_from_today(2)
    )
    plan_reminders()
    Reminder.objects.filter(detail="birthday").update(state=S.DONE)
    new_owner = UserFactory(username="nora")

    customers_reassign(customer_ids=[customer.pk], owner=new_owner)
    plan_reminders()

    assert sorted(Reminder.objects.values_list("kind", "state", "recipient__username")) == [
        (K.CHECK_IN, "pending", "nora"),
        (K.KEY_DATE, "done", "owen"),  # closed ones stay with whoever closed them
    ]


def test_complaint_and_follow_up_reminders_follow_a_new_assignee(owner):
    customer = QuietCustomerFactory(owner=owner)
    complaint = ComplaintFactory(
        customer=customer, opened_at=timezone.now() - datetime.timedelta(hours=1)
    )
    follow_up = FollowUpFactory(customer=customer, assignee=owner)
    plan_reminders()
    colleague = UserFactory(username="cora")

    complaint_update(complaint, actor=owner, assignee=colleague)
    FollowUp.objects.filter(pk=follow_up.pk).update(assignee=colleague)
    plan_reminders()

    assert set(Reminder.objects.values_list("kind", "recipient__username")) == {
        (K.COMPLAINT_TARGET, "cora"),
        (K.FOLLOW_UP, "cora"),
    }


def test_a_customer_left_without_an_owner_keeps_the_reminder_with_the_last_one(owner):
    customer = QuietCustomerFactory(owner=owner, next_checkin_due=days_from_today(-5))
    plan_reminders()

    customers_reassign(customer_ids=[customer.pk], owner=None)
    plan_reminders()

    assert Reminder.objects.get().recipient == owner


# Escalation -----------------------------------------------------------------------------------


def _unanswered_complaint(owner, hours_ago=25, **fields):
    """Normal severity and never answered: its response target passes 24 hours after it opened,
    so by default it has passed."""
    return ComplaintFactory(
        customer=QuietCustomerFactory(owner=owner, name="Bea Breached"),
        summary="Boiler still broken",
        opened_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        **fields,
    )


def _emails_to(user):
    return [m for m in mail.outbox if user.email in m.to]


def test_a_breached_target_emails_each_manager_once(owner, managers):
    complaint = _unanswered_complaint(owner)

    plan_reminders()
    assert send_queued() == 2
    plan_reminders()
    assert send_queued() == 0

    assert sorted(m.to[0] for m in mail.outbox) == ["max@example.com", "mona@example.com"]
    for message in mail.outbox:
        assert len(message.to) == 1  # one each: no manager sees the others' address
        assert message.subject == f"Complaint #{complaint.pk} missed its response target"
        assert "Bea Breached" in message.body
        assert "Boiler still broken" in message.body
        assert f"http://127.0.0.1:8000/complaints/{complaint.pk}/" in message.body
    assert _emails_to(owner) == []
    reminder = Reminder.objects.get(object_id=complaint.pk, detail="respond")
    assert reminder.escalated_at is not None
    assert set(OutgoingEmail.objects.values_list("kind", "about_id", "person__username")) == {
        ("escalation", complaint.pk, "max"),
        ("escalation", complaint.pk, "mona"),
    }


def test_each_breached_target_is_escalated_once(owner, managers):
    # Urgent: respond within 1 h, resolve within 24 h. Opened two days ago: both breached.
    complaint = _unanswered_complaint(owner, hours_ago=48, severity=Complaint.Severity.URGENT)

    plan_reminders()
    plan_reminders()
    send_queued()

    for manager in managers:
        assert sorted(m.subject for m in _emails_to(manager)) == [
            f"Complaint #{complaint.pk} missed its resolution target",
            f"Complaint #{complaint.pk} missed its response target",
        ]


def test_a_manager_without_an_email_address_or_account_is_left_out(owner, managers):
    UserFactory(username="nemo", email="", role="Manager")
    UserFactory(username="gone", email="gone@example.com", role="Manager", is_active=False)
    _unanswered_complaint(owner)

    plan_reminders()

    assert sorted(queued("escalation").values_list("to", flat=True)) == [
        "max@example.com",
        "mona@example.com",
    ]


def test_the_escalation_of_an_unassigned_complaint_says_nobody_has_it(owner, managers):
    now = timezone.now()
    complaint = _unanswered_complaint(owner, hours_ago=1)
    plan_reminders(now)  # the response target is near: the assignee is reminded
    # Unassigned before the target passed (the assignee left, say): managers still hear of it.
    complaint.assignee = None
    complaint.save(update_fields=["assignee"])

    plan_reminders(now + datetime.timedelta(hours=24))
    assert send_queued() == 2

    for message in mail.outbox:
        assert "Assigned to nobody yet." in message.body
        assert "Assigned to nobody yet." in message.alternatives[0][0]


def test_no_escalation_for_a_target_not_yet_breached(owner, managers):
    complaint = ComplaintFactory(
        customer=QuietCustomerFactory(owner=owner),
        opened_at=timezone.now() - datetime.timedelta(hours=1),
    )

    plan_reminders()

    assert not OutgoingEmail.objects.exists()
    reminder = Reminder.objects.get(object_id=complaint.pk)
    assert reminder.escalated_at is None


def test_no_escalation_once_the_complaint_has_been_answered(owner, managers):
    now = timezone.now()
    complaint = _unanswered_complaint(owner, hours_ago=1)
    plan_reminders(now)
    complaint.first_response_at = now
    complaint.status = Complaint.Status.ACKNOWLEDGED
    complaint.save()

    plan_reminders(now + datetime.timedelta(hours=24))

    assert not OutgoingEmail.objects.exists()
    assert Reminder.objects.get(detail="respond").escalated_at is None


def test_planning_enqueues_the_escalation_once_it_is_committed(
    owner, managers, tasks_run_inline, django_capture_on_commit_callbacks
):
    breached = _unanswered_complaint(owner)
    ComplaintFactory(
        customer=QuietCustomerFactory(owner=owner),
        opened_at=timezone.now() - datetime.timedelta(hours=1),
    )

    with django_capture_on_commit_callbacks() as callbacks:
        plan_reminders()
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        plan_reminders()

    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("max@example.com", f"Complaint #{breached.pk} missed its response target"),
        ("mona@example.com", f"Complaint #{breached.pk} missed its response target"),
    ]


# Two planners at once (PostgreSQL) ------------------------------------------------------------


def _in_thread(target, errors):
    def run():
        try:
            target()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    return threading.Thread(target=run)


def _many_due(owner, count):
    for n in range(count):
        customer = QuietCustomerFactory(
            owner=owner, next_checkin_due=days_from_today(-(n % 7)), birthday=days_from_today(n % 5)
        )
        FollowUpFactory(customer=customer, assignee=owner, due_on=days_from_today(-(n % 3)))


@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_create_each_reminder_once(owner):
    _many_due(owner, 60)
    now = timezone.now()
    start, errors = threading.Barrier(2), []

    def planner():
        start.wait(timeout=10)
        plan_reminders(now)

    threads = [_in_thread(planner, errors) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Reminder.objects.count() == 60 * 3
    assert len(set(_rows())) == 60 * 3
    assert plan_reminders(now) == 0


@pytest.mark.django_db(transaction=True)
def test_a_planner_that_finds_rows_inserted_by_an_uncommitted_planner_adds_nothing(owner):
    """The race the unique constraint settles: B looked before A committed, so B's candidates
    are A's rows. B's insert waits for A's commit, then skips them instead of failing."""
    _many_due(owner, 20)
    now = timezone.now()
    a_inserted, errors, b_candidates = threading.Event(), [], []

    def planner_a():
        with transaction.atomic():
            plan_reminders(now)
            a_inserted.set()
            # Hold the transaction open while B plans and runs into A's rows.
            threading.Event().wait(1.0)

    def planner_b():
        a_inserted.wait(timeout=10)
        b_candidates.append(plan_reminders(now))

    threads = [_in_thread(planner_a, errors), _in_thread(planner_b, errors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert b_candidates == [20 * 3]  # B could not see A's rows, so it tried them all
    assert Reminder.objects.count() == 20 * 3
    assert len(set(_rows())) == 20 * 3


@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_escalate_a_breach_once(owner, managers, monkeypatch):
    complaint = _unanswered_complaint(owner)
    now = timezone.now()
    with private_queue(monkeypatch):  # where the tasks enqueued on commit wait, unrun
        at_once(lambda: plan_reminders(now))

    assert sorted(OutgoingEmail.objects.values_list("kind", "to")) == [
        ("escalation", "max@example.com"),
        ("escalation", "mona@example.com"),
    ]
    assert send_queued() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["max@example.com", "mona@example.com"]
    assert Reminder.objects.get(object_id=complaint.pk, detail="respond").escalated_at == now
