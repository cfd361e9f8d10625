"""My day (/): my check-ins due, my follow-ups due and overdue, my open complaints by target."""

import datetime

import pytest
from django.utils import timezone

from interactions.models import Complaint, Reminder
from interactions.reminders.planning import plan_reminders
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
# A customer of a hundred days: nothing but what a test makes is due.
NO_KEY_DATES = {"customer_since": datetime.date.today() - 100 * DAY}


def _names(items):
    return [getattr(item, "name", None) or item.summary for item in items]


@pytest.fixture
def day(staff_user, other_staff_user):
    """Sam's and Olive's customers, follow-ups and complaints, in every state that matters."""
    today = timezone.localdate()
    mine = CustomerFactory(name="Due Today", owner=staff_user, next_checkin_due=today)
    CustomerFactory(name="Overdue Check-in", owner=staff_user, next_checkin_due=today - 3 * DAY)
    CustomerFactory(name="Not Yet", owner=staff_user, next_checkin_due=today + DAY)
    CustomerFactory(
        name="Archived",
        owner=staff_user,
        next_checkin_due=today - DAY,
        archived_at=timezone.now(),
    )
    theirs = CustomerFactory(name="Olive's", owner=other_staff_user, next_checkin_due=today)

    follow = {"customer": mine, "assignee": staff_user}
    FollowUpFactory(summary="Overdue promise", due_on=today - 2 * DAY, promised=True, **follow)
    FollowUpFactory(summary="Due today", due_on=today, **follow)
    FollowUpFactory(summary="Due next week", due_on=today + 7 * DAY, **follow)
    FollowUpFactory(summary="Snoozed", due_on=today - DAY, snoozed_until=today + 2 * DAY, **follow)
    FollowUpFactory(summary="Done already", due_on=today, done_at=timezone.now(), **follow)
    FollowUpFactory(
        summary="Olive's call", customer=theirs, assignee=other_staff_user, due_on=today
    )

    now = timezone.now()
    # Responded to: its resolution target (in 6 days) is what matters now.
    ComplaintFactory(
        summary="Scratched table",
        customer=mine,
        assignee=staff_user,
        opened_at=now - DAY,
        first_response_at=now - 20 * HOUR,
        status=Complaint.Status.ACKNOWLEDGED,
    )
    # Not responded to: its response target passed an hour ago.
    ComplaintFactory(
        summary="Wrong colour", customer=mine, assignee=staff_user, opened_at=now - 25 * HOUR
    )
    # Urgent and fresh: respond within the hour.
    ComplaintFactory(
        summary="Leaking tap",
        customer=mine,
        assignee=staff_user,
        severity=Complaint.Severity.URGENT,
        opened_at=now - 10 * datetime.timedelta(minutes=1),
    )
    ComplaintFactory(
        summary="Resolved one",
        customer=mine,
        assignee=staff_user,
        status=Complaint.Status.RESOLVED,
        resolved_at=now,
    )
    ComplaintFactory(summary="Olive's case", customer=theirs, assignee=other_staff_user)


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_sees_their_check_ins_due(staff_client, day):
    response = staff_client.get("/")

    assert _names(response.context["checkins"]) == ["Overdue Check-in", "Due Today"]
    assert response.context["checkin_count"] == 2


def test_staff_sees_their_follow_ups_due_and_overdue_but_not_snoozed_or_later(staff_client, day):
    response = staff_client.get("/")

    assert _names(response.context["follow_ups"]) == ["Overdue promise", "Due today"]
    assert response.context["follow_up_count"] == 2
    content = response.content.decode()
    assert "overdue 2\xa0days" in content
    assert "Promised" in content


def test_staff_sees_their_open_complaints_soonest_target_first(staff_client, day):
    response = staff_client.get("/")

    complaints = response.context["complaints"]
    assert _names(complaints) == ["Wrong colour", "Leaking tap", "Scratched table"]
    assert [c.target for c in complaints] == ["breached", "on_track", "on_track"]
    content = response.content.decode()
    assert "Breached" in content
    assert "Olive" not in content


def test_other_staff_see_only_their_own_day(other_staff_client, day):
    response = other_staff_client.get("/")

    assert _names(response.context["checkins"]) == ["Olive's"]
    assert _names(response.context["follow_ups"]) == ["Olive's call"]
    assert _names(response.context["complaints"]) == ["Olive's case"]


def test_a_manager_sees_their_own_day_too(manager_client, manager_user, day):
    FollowUpFactory(
        summary="Mona's review", assignee=manager_user, due_on=timezone.localdate() - DAY
    )

    response = manager_client.get("/")

    assert _names(response.context["follow_ups"]) == ["Mona's review"]
    assert response.context["checkin_count"] == 0
    assert list(response.context["complaints"]) == []


def test_follow_ups_on_my_day_can_be_done_and_snoozed_from_there(staff_client, staff_user):
    follow_up = FollowUpFactory(assignee=staff_user, due_on=timezone.localdate())

    content = staff_client.get("/").content.decode()

    assert f'action="/follow-ups/{follow_up.pk}/done/"' in content
    assert f'action="/follow-ups/{follow_up.pk}/snooze/"' in content
    assert 'name="next" value="/"' in content


def test_an_empty_day_says_so(staff_client):
    content = staff_client.get("/").content.decode()

    assert "Nobody is waiting to hear from you today." in content
    assert "No follow-ups due." in content
    assert "No open complaints assigned to you." in content


def test_user_text_is_escaped(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user, name="<i>Ivy</i>")
    FollowUpFactory(
        customer=customer,
        assignee=staff_user,
        due_on=timezone.localdate(),
        summary="<script>alert(1)</script>",
    )

    content = staff_client.get("/").content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<i>Ivy</i>" not in content


@pytest.mark.parametrize("count", [2, 40])
def test_my_day_query_count_is_constant(staff_client, staff_user, django_assert_num_queries, count):
    today = timezone.localdate()
    others = UserFactory.create_batch(2)
    for n in range(count):
        customer = CustomerFactory(owner=staff_user, next_checkin_due=today - n * DAY)
        FollowUpFactory(customer=customer, assignee=staff_user, due_on=today - n * DAY)
        FollowUpFactory(customer=customer, assignee=others[n % 2], due_on=today)
        ComplaintFactory(customer=customer, assignee=staff_user, opened_by=others[0])

    plan_reminders()
    # session, user with the manager check, reminders (page + customers, count), check-ins
    # (page with their reminders, count), follow-ups (page + customers, count), promises coming
    # up (page + customers), complaints (page + customers, count)
    with django_assert_num_queries(11):
        response = staff_client.get("/")

    # Each check-in and follow-up shows once, in its own card; the reminders card keeps the
    # complaints' response targets (due within a day).
    assert response.context["reminder_count"] == count
    assert response.context["checkin_count"] == count
    assert response.context["follow_up_count"] == count
    assert response.context["complaint_count"] == count
    # Done, snooze and dismiss on each reminder shown, check-ins' included (twenty a card at
    # most), and the way to the rest.
    content = response.content.decode()
    assert content.count('action="/reminders/') == 3 * 2 * min(count, 20)
    assert ("See all reminders" in content) == (count > 20)


def _card(content, key):
    return content.split(f'id="{key}-heading"')[1].split("</section>")[0]


def test_a_customer_due_a_check_in_shows_once_and_leaves_when_snoozed(staff_client, staff_user):
    today = timezone.localdate()
    customer = CustomerFactory(
        name="Once Only", owner=staff_user, next_checkin_due=today, **NO_KEY_DATES
    )
    follow_up = FollowUpFactory(customer=customer, assignee=staff_user, due_on=today)
    plan_reminders()
    reminder = Reminder.objects.get(kind=Reminder.Kind.CHECK_IN, object_id=customer.pk)

    content = staff_client.get("/").content.decode()

    assert content.count(">Once Only</a>") == 2  # the check-in and the follow-up
    assert "Once Only" in _card(content, "checkins")
    assert "Once Only" in _card(content, "follow-ups")
    assert "Once Only" not in _card(content, "reminders")
    assert f'action="/reminders/{reminder.pk}/snooze/"' in _card(content, "checkins")
    assert f'action="/follow-ups/{follow_up.pk}/done/"' in _card(content, "follow-ups")

    staff_client.post(f"/reminders/{reminder.pk}/snooze/", {"period": "day"})

    content = staff_client.get("/").content.decode()
    assert "Once Only" not in _card(content, "checkins")
    assert "Once Only" in _card(content, "follow-ups")


def test_a_dismissed_check_in_leaves_my_day(staff_client, staff_user):
    customer = CustomerFactory(
        name="Set Aside", owner=staff_user, next_checkin_due=timezone.localdate(), **NO_KEY_DATES
    )
    plan_reminders()
    reminder = Reminder.objects.get(kind=Reminder.Kind.CHECK_IN, object_id=customer.pk)

    staff_client.post(f"/reminders/{reminder.pk}/dismiss/", {"reason": "Closed for winter"})

    assert "Set Aside" not in staff_client.get("/").content.decode()


def test_a_check_in_not_yet_planned_still_shows_with_a_way_to_log_it(staff_client, staff_user):
    customer = CustomerFactory(
        name="Not Planned", owner=staff_user, next_checkin_due=timezone.localdate()
    )

    card = _card(staff_client.get("/").content.decode(), "checkins")

    assert "Not Planned" in card
    assert f'href="{customer.get_absolute_url()}#log"' in card


def test_promises_coming_up_have_their_own_list(staff_client, staff_user, other_staff_user):
    today = timezone.localdate()
    customer = CustomerFactory(owner=staff_user)
    mine = {"customer": customer, "assignee": staff_user, "promised": True}
    FollowUpFactory(summary="In two days", due_on=today + 2 * DAY, **mine)
    FollowUpFactory(summary="Tomorrow", due_on=today + DAY, **mine)
    FollowUpFactory(summary="In a week", due_on=today + 7 * DAY, **mine)
    FollowUpFactory(summary="Too far", due_on=today + 8 * DAY, **mine)
    FollowUpFactory(summary="Due today", due_on=today, **mine)
    FollowUpFactory(summary="Kept early", due_on=today + DAY, done_at=timezone.now(), **mine)
    FollowUpFactory(
        summary="Not a promise", customer=customer, assignee=staff_user, due_on=today + DAY
    )
    FollowUpFactory(
        summary="Olive's promise", assignee=other_staff_user, promised=True, due_on=today + DAY
    )

    response = staff_client.get("/")

    assert _names(response.context["promises"]) == ["Tomorrow", "In two days", "In a week"]
    assert response.context["promise_count"] == 3
    card = _card(response.content.decode(), "promises")
    assert "Tomorrow" in card and "See all promises" not in card


def test_more_promises_than_the_list_shows_are_counted_and_linked(staff_client, staff_user):
    today = timezone.localdate()
    for n in range(7):
        FollowUpFactory(assignee=staff_user, promised=True, due_on=today + DAY + n % 3 * DAY)

    response = staff_client.get("/")

    assert len(response.context["promises"]) == 5
    assert response.context["promise_count"] == 7
    assert 'href="/follow-ups/?promised=on"' in _card(response.content.decode(), "promises")


def test_two_customers_of_one_name_are_told_apart(staff_client, staff_user):
    today = timezone.localdate()
    CustomerFactory(
        name="Jo Bloggs",
        company="",
        email="jo@one.example",
        owner=staff_user,
        next_checkin_due=today,
    )
    other = CustomerFactory(name="Jo Bloggs", company="Bloggs Bakery", owner=staff_user)
    FollowUpFactory(customer=other, assignee=staff_user, due_on=today)
    CustomerFactory(name="Ann Alone", company="Alone Ltd", owner=staff_user)

    content = staff_client.get("/").content.decode()

    assert "· jo@one.example" in _card(content, "checkins")
    assert "(Bloggs Bakery)" in _card(content, "follow-ups")
