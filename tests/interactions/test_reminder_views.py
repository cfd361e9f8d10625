"""/reminders/: each member of staff works their own reminders; managers can work anyone's."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from interactions.models import FollowUp, Interaction, Reminder

from .reminder_factories import (
    FollowUpFactory,
    QuietCustomerFactory,
    ReminderFactory,
    days_from_today,
    due_customer,
)

pytestmark = pytest.mark.django_db

S = Reminder.State


@pytest.fixture
def mine(staff_user):
    """A check-in a week overdue for Sam's customer Ada."""
    customer = QuietCustomerFactory(
        owner=staff_user, name="Ada Lovelace", next_checkin_due=days_from_today(-7)
    )
    return ReminderFactory(customer=customer, due_on=days_from_today(-7))


@pytest.fixture
def theirs(other_staff_user):
    customer = QuietCustomerFactory(owner=other_staff_user, name="Alan Turing")
    return ReminderFactory(customer=customer)


def _url(reminder, action):
    return f"/reminders/{reminder.pk}/{action}/"


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def _row(reminder):
    return Reminder.objects.filter(pk=reminder.pk).values().get()


def _state(reminder):
    reminder.refresh_from_db()
    return reminder.state


# The list -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, mine):
    response = client.get("/reminders/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/reminders/"


def test_anonymous_cannot_act(client, mine):
    response = client.post(_url(mine, "done"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert _state(mine) == S.PENDING


def test_staff_sees_their_own_reminders_due_and_not_someone_elses(
    staff_client, staff_user, mine, theirs
):
    ReminderFactory(
        customer=QuietCustomerFactory(owner=staff_user, name="Tim Tomorrow"),
        due_on=days_from_today(1),
    )
    ReminderFactory(
        customer=QuietCustomerFactory(owner=staff_user, name="Sue Snoozed"),
        state=S.SNOOZED,
        snoozed_until=days_from_today(2),
    )
    ReminderFactory(customer=QuietCustomerFactory(owner=staff_user, name="Dan Done"), state=S.DONE)
    today = ReminderFactory(customer=QuietCustomerFactory(owner=staff_user, name="Grace Hopper"))

    response = staff_client.get("/reminders/")

    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["reminders"]) == [mine, today]
    assert "Ada Lovelace" in content and "Grace Hopper" in content
    assert f'href="/customers/{mine.customer_id}/"' in content
    assert "Overdue since" in content
    for absent in ("Alan Turing", "Tim Tomorrow", "Sue Snoozed", "Dan Done"):
        assert absent not in content
    assert "Reminders that failed to send" not in content
    assert 'active" aria-current="page" href="/reminders/"' in content


def test_staff_with_nothing_due_is_told_so(staff_client, theirs):
    content = staff_client.get("/reminders/").content.decode()

    assert "Nothing is due." in content
    assert "Alan Turing" not in content


def test_manager_sees_the_reminders_that_failed_to_send_with_the_error(
    manager_client, other_staff_user
):
    ReminderFactory(
        customer=QuietCustomerFactory(owner=other_staff_user, name="Fay Failed"),
        state=S.FAILED,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )

    content = manager_client.get("/reminders/").content.decode()

    assert "Reminders that failed to send" in content
    failed_section = content.split("Reminders that failed to send")[1]
    assert "Fay Failed" in failed_section
    assert "Olive Other" in failed_section
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in failed_section


def test_manager_with_no_failures_is_told_every_email_went_out(manager_client):
    content = manager_client.get("/reminders/").content.decode()

    assert "None: every reminder email went out." in content


def test_staff_does_not_see_failures_even_their_own_listed_as_failed(staff_client, staff_user):
    ReminderFactory(
        customer=QuietCustomerFactory(owner=staff_user, name="Fay Failed"),
        state=S.FAILED,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )

    content = staff_client.get("/reminders/").content.decode()

    assert "Fay Failed" in content  # still theirs to do
    assert "email failed" in content
    assert "Reminders that failed to send" not in content
    assert "SMTPServerDisconnected" not in content


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_is_constant(staff_client, staff_user, django_assert_num_queries, count):
    for _ in range(count):
        ReminderFactory(customer=QuietCustomerFactory(owner=staff_user))
    # session, user with the manager check, the reminders with their customers
    with django_assert_num_queries(3):
        response = staff_client.get("/reminders/")
    assert len(response.context["reminders"]) == count


@pytest.mark.parametrize("count", [3, 30])
def test_manager_list_query_count_is_constant(
    manager_client, other_staff_user, django_assert_num_queries, count
):
    for _ in range(count):
        ReminderFactory(
            customer=QuietCustomerFactory(owner=other_staff_user), state=S.FAILED, last_error="x"
        )
    # session, user with the manager check, the manager's own reminders, the failed ones with
    # their customers and recipients
    with django_assert_num_queries(4):
        response = manager_client.get("/reminders/")
    assert len(response.context["failed"]) == count


# Done -----------------------------------------------------------------------------------------


def test_done_on_a_check_in_logs_the_check_in_and_moves_the_next_one(
    staff_client, staff_user, mine
):
    response = staff_client.post(_url(mine, "done"), follow=True)

    assert response.redirect_chain == [("/reminders/", 302)]
    assert _messages(response) == ["Check-in with Ada Lovelace logged."]
    mine.refresh_from_db()
    assert mine.state == S.DONE
    assert mine.done_at is not None
    interaction = Interaction.objects.get(customer=mine.customer)
    assert interaction.kind == Interaction.Kind.CHECK_IN
    assert interaction.author == staff_user
    assert interaction.summary == "Checked in"
    customer = mine.customer
    customer.refresh_from_db()
    assert timezone.localdate(customer.last_contact_at) == timezone.localdate()
    # An established customer with the default cadence: 60 days from today.
    assert customer.next_checkin_due == days_from_today(60)
    assert "Ada Lovelace" not in response.content.decode().split("</h1>")[1]


def test_a_check_in_asks_first_and_keeps_the_note_of_what_was_said(staff_client, mine):
    content = staff_client.get("/reminders/").content.decode()
    # "Checked in" opens a small form; nothing is logged until it is sent.
    assert '<summary class="btn btn-success btn-sm">Checked in</summary>' in content
    assert f'id="reminder-note-{mine.pk}"' in content

    staff_client.post(_url(mine, "done"), {"summary": "  Happy with the new boiler  "})

    interaction = Interaction.objects.get(customer=mine.customer)
    assert interaction.summary == "Happy with the new boiler"


@pytest.mark.parametrize("note", ["x" * 201, "٣" * 300])
def test_a_check_in_note_too_long_is_refused_and_nothing_is_logged(staff_client, mine, note):
    response = staff_client.post(_url(mine, "done"), {"summary": note}, follow=True)

    assert response.status_code == 200
    assert "at most 200 characters" in " ".join(_messages(response))
    assert not Interaction.objects.filter(customer=mine.customer).exists()
    assert _row(mine)["state"] != S.DONE


def test_who_dismissed_a_reminder_and_why_shows_on_the_profile(staff_client, staff_user, mine):
    staff_client.post(_url(mine, "dismiss"), {"reason": "Moved <abroad>"})

    content = staff_client.get(mine.customer.get_absolute_url()).content.decode()

    section = content.split("Reminders set aside")[1].split("</ul>")[0]
    assert "Check-in due" in section
    assert "<q>Moved &lt;abroad&gt;</q>" in section
    assert staff_user.get_full_name() in section
    assert _row(mine)["dismissed_by_id"] == staff_user.pk


def test_done_on_a_follow_up_reminder_marks_the_follow_up_done(staff_client, staff_user):
    follow_up = FollowUpFactory(customer=QuietCustomerFactory(owner=staff_user))
    reminder = ReminderFactory(
        customer=follow_up.customer, kind=Reminder.Kind.FOLLOW_UP, object_id=follow_up.pk
    )

    staff_client.post(_url(reminder, "done"))

    assert _state(reminder) == S.DONE
    follow_up = FollowUp.objects.get(pk=follow_up.pk)
    assert follow_up.done_at is not None
    assert follow_up.done_on_time is True


def test_done_goes_back_to_the_page_it_came_from(staff_client, mine):
    response = staff_client.post(_url(mine, "done"), {"next": "/"})

    assert response["Location"] == "/"


def test_done_does_not_follow_a_next_to_another_site(staff_client, mine):
    response = staff_client.post(_url(mine, "done"), {"next": "https://evil.example.com/"})

    assert response["Location"] == "/reminders/"


# Snooze ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "days"), [("day", 1), ("week", 7)])
def test_snooze_for_a_day_or_a_week(staff_client, mine, period, days):
    response = staff_client.post(_url(mine, "snooze"), {"period": period}, follow=True)

    mine.refresh_from_db()
    until = days_from_today(days)
    assert (mine.state, mine.snoozed_until) == (S.SNOOZED, until)
    assert _messages(response) == [f"Snoozed until {until.strftime('%d %b')}."]
    assert "Ada Lovelace" not in response.content.decode().split("</h1>")[1]


def test_snooze_until_a_date(staff_client, mine):
    until = days_from_today(10)

    staff_client.post(_url(mine, "snooze"), {"period": "date", "until": until.isoformat()})

    mine.refresh_from_db()
    assert (mine.state, mine.snoozed_until) == (S.SNOOZED, until)


@pytest.mark.parametrize("days", [-1, 0])
def test_snooze_until_today_or_a_past_date_is_refused(staff_client, mine, days):
    before = _row(mine)

    response = staff_client.post(
        _url(mine, "snooze"),
        {"period": "date", "until": days_from_today(days).isoformat()},
        follow=True,
    )

    assert _messages(response) == ["Choose a day after today."]
    assert _row(mine) == before
    assert before["state"] == S.PENDING


def test_snooze_until_a_date_without_the_date_is_refused(staff_client, mine):
    response = staff_client.post(_url(mine, "snooze"), {"period": "date"}, follow=True)

    assert _messages(response) == ["Pick the day it should come back."]
    assert _state(mine) == S.PENDING


# Dismiss --------------------------------------------------------------------------------------


def test_dismiss_records_the_reason(staff_client, mine):
    response = staff_client.post(
        _url(mine, "dismiss"), {"reason": "  Spoke at the trade fair  "}, follow=True
    )

    mine.refresh_from_db()
    assert (mine.state, mine.dismissed_reason) == (S.DISMISSED, "Spoke at the trade fair")
    assert _messages(response) == ["Dismissed."]


@pytest.mark.parametrize("reason", ["", "   "])
def test_dismiss_without_a_reason_is_refused(staff_client, mine, reason):
    response = staff_client.post(_url(mine, "dismiss"), {"reason": reason}, follow=True)

    assert _messages(response) == ["Say why you are dismissing it."]
    assert _state(mine) == S.PENDING
    assert mine.dismissed_reason == ""


# Whose reminder -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data"),
    [("done", {}), ("snooze", {"period": "week"}), ("dismiss", {"reason": "Not mine"})],
)
def test_other_staff_cannot_act_on_my_reminder(other_staff_client, mine, action, data):
    before = _row(mine)

    response = other_staff_client.post(_url(mine, action), data)

    assert response.status_code == 403
    assert _row(mine) == before
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("action", "data", "state"),
    [
        ("done", {}, S.DONE),
        ("snooze", {"period": "week"}, S.SNOOZED),
        ("dismiss", {"reason": "Covered by Mona"}, S.DISMISSED),
    ],
)
def test_manager_can_act_on_anyones_reminder(manager_client, mine, action, data, state):
    response = manager_client.post(_url(mine, action), data)

    assert response.status_code == 302
    assert _state(mine) == state


@pytest.mark.parametrize("action", ["done", "snooze", "dismiss"])
def test_actions_accept_post_only(staff_client, mine, action):
    response = staff_client.get(_url(mine, action))

    assert response.status_code == 405
    assert _state(mine) == S.PENDING


@pytest.mark.parametrize("action", ["done", "snooze", "dismiss"])
def test_an_unknown_reminder_is_404(staff_client, action):
    response = staff_client.post(f"/reminders/999999/{action}/", {"period": "day", "reason": "x"})

    assert response.status_code == 404


def test_a_closed_reminder_cannot_be_snoozed_back_to_life(staff_client, mine):
    Reminder.objects.filter(pk=mine.pk).update(state=S.DONE, done_at=timezone.now())

    response = staff_client.post(_url(mine, "snooze"), {"period": "day"}, follow=True)

    assert _messages(response) == ["This reminder is already closed."]
    assert _state(mine) == S.DONE


def test_done_twice_logs_one_check_in(staff_client, mine):
    staff_client.post(_url(mine, "done"))
    staff_client.post(_url(mine, "done"))

    assert Interaction.objects.filter(customer=mine.customer).count() == 1
    assert mine.customer.interactions.get().occurred_at > timezone.now() - datetime.timedelta(
        minutes=1
    )


ROW_TOKEN = re.compile(
    r'action="/reminders/\d+/\w+/"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" '
    r'value="([^"]+)"'
)


def test_every_row_form_carries_the_pages_token_and_posts_with_it(staff_user):
    for name in ("Ada Lovelace", "Grace Hopper"):
        ReminderFactory(customer=due_customer(staff_user, name, days_from_today(0)))
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)

    content = client.get("/reminders/").content.decode()

    # Done, snooze and dismiss on each of the two rows: one token worked out for them all.
    tokens = ROW_TOKEN.findall(content)
    assert len(tokens) == 6
    assert len(set(tokens)) == 1
    # The same token as the page's own forms (the layout's sign-out), not one of its own.
    assert set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', content)) == set(tokens)
    reminder = Reminder.objects.order_by("pk").first()
    response = client.post(
        f"/reminders/{reminder.pk}/done/", {"csrfmiddlewaretoken": tokens[0], "next": "/"}
    )
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.DONE
