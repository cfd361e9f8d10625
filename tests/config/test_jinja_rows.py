"""The rows of long lists, rendered by Jinja2 inside template-language pages ({% jinja %})."""

import datetime
import re

import pytest
from django.template import engines
from django.test import Client
from django.utils import timezone, translation

from config.jinja2 import _day_text, _translation, days_since, local_date
from interactions.models import Reminder
from tests.interactions.reminder_factories import ReminderFactory, days_from_today, due_customer

pytestmark = pytest.mark.django_db

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


def test_row_times_show_in_the_current_time_zone():
    late_evening = datetime.datetime(2026, 1, 1, 23, 30, tzinfo=datetime.UTC)

    with timezone.override("America/New_York"):
        assert local_date(late_evening, "j M Y, H:i") == "1 Jan 2026, 18:30"
        assert local_date(late_evening, "c") == "2026-01-01T18:30:00-05:00"
    with timezone.override("Asia/Tokyo"):
        assert local_date(late_evening, "j M Y") == "2 Jan 2026"
        assert local_date(late_evening, "c") == "2026-01-02T08:30:00+09:00"
    assert local_date(datetime.date(2026, 3, 4), "j M Y") == "4 Mar 2026"


def test_days_are_written_once_per_format_and_language():
    _day_text.cache_clear()
    day = datetime.date(2026, 3, 4)

    assert [local_date(day, "D j M") for _ in range(3)] == ["Wed 4 Mar"] * 3
    assert local_date(day, "j F Y") == "4 March 2026"
    assert days_since(day, datetime.date(2026, 3, 11)) == "1\xa0week"
    assert days_since(day, datetime.date(2026, 3, 11)) == "1\xa0week"
    assert days_since(day, datetime.date(2026, 4, 20)) == "1\xa0month, 2\xa0weeks"
    with translation.override("de"):
        assert local_date(day, "D j M") == "Mi 4 Mär"

    info = _day_text.cache_info()
    assert (info.misses, info.hits) == (5, 3)


def render_labels(**context) -> str:
    return engines["jinja2"].from_string("{{ _('Snooze') }} {{ _('Snooze') }}").render(context)


def test_labels_are_looked_up_once_per_language():
    _translation.cache_clear()
    with translation.override("en"):
        assert render_labels() == "Snooze Snooze"
        assert render_labels() == "Snooze Snooze"
    with translation.override("de"):
        render_labels()

    info = _translation.cache_info()
    assert (info.misses, info.hits) == (2, 4)


def test_the_language_a_page_draws_its_rows_in_decides_their_labels():
    today = engines["jinja2"].from_string("{{ _('Today') }}")

    with translation.override("de"):
        assert today.render({}) == "Heute"
        assert today.render({"LANGUAGE_CODE": "en"}) == "Today"
    with translation.override("en"):
        assert today.render({"LANGUAGE_CODE": "de"}) == "Heute"
