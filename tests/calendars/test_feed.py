"""The feed (/calendar/<token>.ics): one person's work, as a document any calendar app reads;
any token that is not a live one answers the same 404, never a 500."""

import datetime
from urllib.parse import quote

import icalendar
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from calendars import items, services
from calendars.models import CalendarFeed
from interactions.models import Complaint
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory
from tests.security.fuzz_helpers import fuzz_one_value, rolled_back
from tests.security.world import WriteRecorder

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def feed_path(token: str) -> str:
    return f"/calendar/{quote(token, safe='')}.ics"


def read(client, token: str) -> icalendar.Calendar:
    response = client.get(feed_path(token))
    assert response.status_code == 200, response.status_code
    return icalendar.Calendar.from_ical(response.content)


def events(calendar) -> dict[str, icalendar.Event]:
    return {str(event["uid"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


def start(event):
    return event.decoded("dtstart")


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Staff")


@pytest.fixture
def olive(db):
    return UserFactory(username="olive", first_name="Olive", last_name="Other")


@pytest.fixture
def token(sam):
    return services.feed_create(sam)


@pytest.fixture
def book(sam, olive, today, now):
    """Sam's work, and work the feed must leave out: Olive's, done, archived, resolved."""
    ada = CustomerFactory(name="Ada Lovelace", company="Engines", owner=sam, next_checkin_due=today)
    return {
        "ada": ada,
        "due_soon": CustomerFactory(owner=sam, next_checkin_due=today + 5 * DAY),
        "overdue": CustomerFactory(owner=sam, next_checkin_due=today - 10 * DAY),
        "too_far": CustomerFactory(owner=sam, next_checkin_due=today + 61 * DAY),
        "archived": CustomerFactory(owner=sam, next_checkin_due=today, archived_at=now),
        "olives": CustomerFactory(owner=olive, next_checkin_due=today),
        "follow_up": FollowUpFactory(customer=ada, assignee=sam, due_on=today + 2 * DAY),
        "promise": FollowUpFactory(
            customer=ada, assignee=sam, due_on=today, promised=True, summary="Ring back"
        ),
        "snoozed": FollowUpFactory(
            customer=ada, assignee=sam, due_on=today - DAY, snoozed_until=today + 3 * DAY
        ),
        "done": FollowUpFactory(customer=ada, assignee=sam, done_at=now),
        "olives_follow_up": FollowUpFactory(customer=ada, assignee=olive),
        "unanswered": ComplaintFactory(customer=ada, assignee=sam, summary="Cold tea"),
        "answered": ComplaintFactory(
            customer=ada,
            assignee=sam,
            status=Complaint.Status.ACKNOWLEDGED,
            first_response_at=now,
        ),
        "resolved": ComplaintFactory(
            customer=ada, assignee=sam, status=Complaint.Status.RESOLVED, resolved_at=now
        ),
        "olives_complaint": ComplaintFactory(customer=ada, assignee=olive),
    }


def test_the_feed_lists_exactly_that_persons_work(client, token, book, today):
    calendar = read(client, token)

    b = book
    assert set(events(calendar)) == {
        f"check-in-{b['ada'].pk}",
        f"check-in-{b['due_soon'].pk}",
        f"check-in-{b['overdue'].pk}",
        f"follow-up-{b['follow_up'].pk}",
        f"follow-up-{b['promise'].pk}",
        f"follow-up-{b['snoozed'].pk}",
        f"complaint-{b['unanswered'].pk}-respond",
        f"complaint-{b['unanswered'].pk}-resolve",
        f"complaint-{b['answered'].pk}-resolve",
    }


def test_each_item_falls_on_its_day_with_what_it_is_and_a_link(client, token, book, today):
    found = events(read(client, token))
    b = book

    overdue = found[f"check-in-{b['overdue'].pk}"]
    assert start(overdue) == today and overdue.decoded("dtend") == today + DAY
    assert "Overdue since" in str(overdue["description"])
    assert start(found[f"check-in-{b['due_soon'].pk}"]) == today + 5 * DAY
    assert start(found[f"follow-up-{b['snoozed'].pk}"]) == today + 3 * DAY
    promise = found[f"follow-up-{b['promise'].pk}"]
    assert str(promise["summary"]) == "Promised: Ring back"
    assert "Customer: Ada Lovelace (Engines)" in str(promise["description"])
    assert str(promise["url"]) == f"http://testserver/customers/{b['ada'].pk}/"
    assert str(promise["url"]) in str(promise["description"])
    assert str(promise["uid"]) == f"follow-up-{b['promise'].pk}@testserver"
    assert str(found[f"follow-up-{b['follow_up'].pk}"]["summary"]).startswith("Follow-up: ")

    respond = found[f"complaint-{b['unanswered'].pk}-respond"]
    # To the second, as iCalendar writes times.
    assert start(respond) == b["unanswered"].respond_by.replace(microsecond=0)
    assert respond.decoded("dtend") - start(respond) == datetime.timedelta(minutes=15)
    assert str(respond["summary"]) == f"Respond to complaint #{b['unanswered'].pk}: Cold tea"
    assert str(respond["url"]) == f"http://testserver/complaints/{b['unanswered'].pk}/"
    resolve = found[f"complaint-{b['answered'].pk}-resolve"]
    assert start(resolve) == b["answered"].resolve_by.replace(microsecond=0)
    for event in found.values():
        assert event.decoded("dtstamp").tzinfo is not None
        assert "Customer: " in str(event["description"])


def test_the_feed_is_a_named_private_calendar_refreshed_hourly(client, token, sam):
    response = client.get(feed_path(token))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["X-Robots-Tag"] == "noindex"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == str(calendar["name"]) == "Rapport: Sam Staff"
    assert calendar["version"] == "2.0"
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in response.content
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content


def test_check_ins_reach_as_far_ahead_as_the_setting_says(client, token, book, settings, today):
    settings.CALENDAR_DAYS_AHEAD = 70

    assert f"check-in-{book['too_far'].pk}" in events(read(client, token))


def test_head_answers_and_other_methods_are_not_allowed(client, token):
    assert client.head(feed_path(token)).status_code == 200
    assert client.post(feed_path(token)).status_code == 405
    assert client.put(feed_path(token)).status_code == 405
    assert client.delete(feed_path(token)).status_code == 405


def test_a_turned_off_feed_is_not_found(client, token, sam):
    services.feed_turn_off(CalendarFeed.objects.get(), by=sam)

    assert client.get(feed_path(token)).status_code == 404


def test_a_replaced_feed_is_not_found_and_its_successor_works(client, token, sam):
    new = services.feed_create(sam)

    assert client.get(feed_path(token)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200


def test_the_feed_of_someone_no_longer_active_is_not_found(client, token, sam):
    sam.is_active = False
    sam.save()

    assert client.get(feed_path(token)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/١٢.ics",
        "/calendar/" + "١" * 43 + ".ics",
        "/calendar/" + "a" * 5000 + ".ics",
        "/calendar/%00.ics",
        "/calendar/..%2F..%2Fsettings.ics",
        "/calendar/..%2f.ics",
        "/calendar/%ff%fe.ics",
        "/calendar/.ics",
        "/calendar/" + "A" * 43 + ".ics",  # the right shape, but nobody's
        "/calendar/" + "A" * 43 + ".ICS",
    ],
)
def test_a_malformed_or_unknown_token_is_not_found(client, token, path):
    for method in (client.get, client.head):
        assert method(path).status_code == 404, path


@pytest.mark.parametrize("change", ["nul", "lead", "trail", "upper"])
def test_a_spoiled_token_is_not_found(client, token, change):
    spoiled = {
        "nul": token[:20] + "\x00" + token[20:],
        "lead": " " + token,
        "trail": token + "\n",
        "upper": token.swapcase(),
    }[change]

    assert client.get(feed_path(spoiled)).status_code == 404


@pytest.fixture
def read_token(token):
    """A token whose feed a calendar has just read: reading it again writes nothing."""
    CalendarFeed.objects.update(last_used_at=timezone.now())
    return token


@fuzz_one_value
def test_any_change_to_a_token_gets_a_404_and_writes_nothing(read_token, change):
    writes = WriteRecorder(ignored=())

    with rolled_back(), connection.execute_wrapper(writes):
        response = Client().get(feed_path(change.apply(read_token)))

    assert response.status_code == 404
    assert writes.tables == []


def test_reading_notes_the_time_at_most_once_an_hour(client, token, now):
    client.get(feed_path(token))
    first = CalendarFeed.objects.get().last_used_at
    assert first is not None

    writes = WriteRecorder(ignored=())
    with connection.execute_wrapper(writes):
        client.get(feed_path(token))
    assert writes.tables == []

    CalendarFeed.objects.update(last_used_at=now - datetime.timedelta(hours=2))
    client.get(feed_path(token))
    assert CalendarFeed.objects.get().last_used_at > now - datetime.timedelta(minutes=1)


def test_the_feed_takes_the_same_few_queries_however_much_it_lists(
    client, token, sam, today, django_assert_max_num_queries
):
    # The feed, follow-ups, check-ins and complaints, each with its customer; "last read" once.
    with django_assert_max_num_queries(5):
        read(client, token)
    for n in range(20):
        customer = CustomerFactory(owner=sam, next_checkin_due=today + n * DAY)
        FollowUpFactory(customer=customer, assignee=sam)
        ComplaintFactory(customer=customer, assignee=sam)
    with django_assert_max_num_queries(4):
        assert len(events(read(client, token))) == 20 * 4


def test_the_feed_lists_at_most_the_limit_soonest_first(client, token, sam, today, monkeypatch):
    monkeypatch.setattr(items, "MAX_ITEMS", 3)
    customers = [CustomerFactory(owner=sam, next_checkin_due=today + n * DAY) for n in range(5)]
    FollowUpFactory(customer=customers[0], assignee=sam, due_on=today + 10 * DAY)

    found = events(read(client, token))

    assert set(found) == {f"check-in-{c.pk}" for c in customers[:3]}
