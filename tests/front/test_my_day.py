"""My day (/): my check-ins due, my follow-ups due and overdue, my open complaints by target."""

import datetime

import pytest
from django.utils import timezone

from interactions.models import Complaint
from interactions.reminders.planning import plan_reminders
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


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
    # (page, count), follow-ups (page + customers, count), complaints (page + customers, count)
    with django_assert_num_queries(10):
        response = staff_client.get("/")

    # For each row: the check-in, the follow-up, and the complaint's response target (due
    # within a day).
    assert response.context["reminder_count"] == 3 * count
    assert response.context["follow_up_count"] == count
    assert response.context["complaint_count"] == count
    # Done, snooze and dismiss on each reminder shown (twenty at most), and the way to the rest.
    content = response.content.decode()
    assert content.count('action="/reminders/') == 3 * min(3 * count, 20)
    assert ("See all reminders" in content) == (3 * count > 20)
