"""The calendar page (/accounts/calendar/): each member of staff makes, replaces and turns off
their own link, shown once; managers turn off anyone's."""

import hashlib
import re

import pytest
from django.test import Client

from calendars import services
from calendars.models import CalendarFeed
from core.tokens import token_hash
from tests.concurrency import at_once
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/accounts/calendar/"
NEW = "/accounts/calendar/new/"
LINK = re.compile(r'value="(https?://testserver/calendar/([A-Za-z0-9_-]+)\.ics)"')


def turn_off(pk) -> str:
    return f"/accounts/calendar/{pk}/turn-off/"


def make_link(client, **kwargs) -> tuple[str, str]:
    """The URL the page shows once, and its token."""
    response = client.post(NEW, **kwargs)
    assert response.status_code == 200
    return LINK.search(response.content.decode()).groups()


def test_visitors_are_sent_to_log_in(client):
    for path in (PAGE, NEW, turn_off(1)):
        response = client.post(path) if path != PAGE else client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not CalendarFeed.objects.exists()


def test_the_page_offers_a_link_to_someone_without_one(staff_client):
    page = staff_client.get(PAGE).content.decode()

    assert "Create my calendar link" in page
    assert "Anyone who has the link can read your calendar" in page
    assert "/calendar/" not in page.replace("/accounts/calendar/", "")


def test_creating_a_link_shows_it_once_and_keeps_only_its_hash(staff_client, staff_user):
    url, token = make_link(staff_client, secure=True)

    assert url.startswith("https://testserver/calendar/")
    feed = CalendarFeed.objects.get()
    assert feed.user == staff_user and feed.is_live
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(CalendarFeed.objects.values_list()))
    assert staff_client.get(url.removeprefix("https://testserver")).status_code == 200

    page = staff_client.get(PAGE).content.decode()
    assert token not in page
    assert "Made on" in page and "Make a new link" in page and "Turn off" in page


def test_the_link_page_says_how_to_subscribe_in_each_calendar_app(staff_client):
    response = staff_client.post(NEW)

    page = response.content.decode()
    for app in ("Google Calendar", "Outlook", "Apple Calendar"):
        assert app in page
    assert 'href="webcal://testserver/calendar/' in page
    assert "no-store" in response["Cache-Control"]


def test_a_new_link_turns_off_the_old_one(staff_client, staff_user):
    _, old = make_link(staff_client)
    _, new = make_link(staff_client)

    assert old != new
    assert staff_client.get(f"/calendar/{old}.ics").status_code == 404
    assert staff_client.get(f"/calendar/{new}.ics").status_code == 200
    assert CalendarFeed.objects.live().get().token_hash == token_hash(new)
    retired = CalendarFeed.objects.exclude(revoked_at=None).get()
    assert retired.revoked_by == staff_user


def test_turning_off_ones_own_link(staff_client, staff_user):
    _, token = make_link(staff_client)
    feed = CalendarFeed.objects.get()

    response = staff_client.post(turn_off(feed.pk), follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "Your calendar link is turned off" in response.content.decode()
    assert "Create my calendar link" in response.content.decode()
    assert staff_client.get(f"/calendar/{token}.ics").status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_by == staff_user and not feed.is_live
    again = staff_client.post(turn_off(feed.pk), follow=True)
    assert "already turned off" in again.content.decode()


def test_staff_cannot_turn_off_someone_elses_link(staff_client, other_staff_user):
    token = services.feed_create(other_staff_user)
    feed = CalendarFeed.objects.get()

    assert staff_client.post(turn_off(feed.pk)).status_code == 404
    assert CalendarFeed.objects.get().is_live
    assert staff_client.get(f"/calendar/{token}.ics").status_code == 200


def test_staff_see_only_their_own_link(staff_client, other_staff_user):
    services.feed_create(other_staff_user)

    page = staff_client.get(PAGE).content.decode()

    assert "Everyone" not in page and "Olive" not in page
    assert "Create my calendar link" in page


def test_a_manager_sees_everyones_links_and_turns_one_off(manager_client, manager_user):
    eve = UserFactory(username="eve", first_name="<b>Eve</b>", last_name="")
    token = services.feed_create(eve)
    feed = CalendarFeed.objects.get()

    page = manager_client.get(PAGE).content.decode()
    assert "&lt;b&gt;Eve&lt;/b&gt;" in page and "<b>Eve</b>" not in page
    assert f'action="{turn_off(feed.pk)}"' in page
    assert token not in page

    response = manager_client.post(turn_off(feed.pk), follow=True)
    assert "&lt;b&gt;Eve&lt;/b&gt;&#x27;s calendar link is turned off" in response.content.decode()
    feed.refresh_from_db()
    assert feed.revoked_by == manager_user
    assert manager_client.get(f"/calendar/{token}.ics").status_code == 404


@pytest.mark.parametrize("path", [NEW, turn_off(1)])
def test_the_actions_take_post_only(staff_client, path):
    assert staff_client.get(path).status_code == 405


@pytest.mark.parametrize("pk", ["0", "١٢", "9" * 40, "9" * 5000, "-1", "1%00"])
def test_a_bad_id_to_turn_off_is_not_found(manager_client, pk):
    assert manager_client.post(f"/accounts/calendar/{pk}/turn-off/").status_code == 404


def test_a_link_is_made_with_the_token_from_the_page(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(PAGE).content.decode()
    )[1]

    assert client.post(NEW).status_code == 403
    assert client.post(NEW, {"csrfmiddlewaretoken": token}).status_code == 200
    assert CalendarFeed.objects.live().count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_links_made_at_once_leave_one_working():
    sam = UserFactory(username="sam")

    tokens = at_once(lambda: services.feed_create(sam))

    assert len(set(tokens)) == 2
    assert CalendarFeed.objects.count() == 2
    live = CalendarFeed.objects.live().get()
    assert live.token_hash in {token_hash(t) for t in tokens}
