"""What people type (customer names, summaries, their own names) cannot break a feed: line
breaks, commas, semicolons, emoji and NUL come back from the parser as written, less the
characters a calendar line cannot hold."""

import datetime
from urllib.parse import quote

import icalendar
import pytest
from django.utils import timezone

from calendars import services
from calendars.ics import calendar_document, clean_text
from calendars.items import CalendarItem
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory

HOSTILE_NAME = "Ada\nBEGIN:VEVENT\r\nUID:evil, Lovelace; 🎉 \\"
HOSTILE_SUMMARY = 'Call back\r\nEND:VCALENDAR; then, 🎉 "quoted" \\ done'


def parse(document: bytes) -> icalendar.Calendar:
    # Every line ends in CR LF, and no CR or NUL hides inside one.
    assert document.endswith(b"\r\n")
    for line in document.split(b"\r\n")[:-1]:
        assert b"\r" not in line and b"\n" not in line and b"\x00" not in line, line
    return icalendar.Calendar.from_ical(document)


@pytest.mark.django_db
def test_names_and_summaries_round_trip_through_the_feed(client, today):
    sam = UserFactory(username="sam", first_name="Sam\r\nX-EVIL:1;", last_name="O'Neil, 🎉")
    ada = CustomerFactory(name=HOSTILE_NAME, company="", owner=sam, next_checkin_due=today)
    FollowUpFactory(customer=ada, assignee=sam, promised=True, summary=HOSTILE_SUMMARY)
    ComplaintFactory(customer=ada, assignee=sam, summary=HOSTILE_SUMMARY)
    token = services.feed_create(sam)

    response = client.get(f"/calendar/{quote(token)}.ics")

    calendar = parse(response.content)
    assert str(calendar["x-wr-calname"]) == "Rapport: Sam X-EVIL:1; O'Neil, 🎉"
    found = calendar.walk("VEVENT")
    assert len(found) == 4  # the check-in, the promise and the complaint's two targets
    assert [str(e["uid"]).split("@")[0].split("-")[0] for e in found].count("complaint") == 2
    one_line = 'Call back END:VCALENDAR; then, 🎉 "quoted" \\ done'
    summaries = {str(event["summary"]) for event in found}
    assert f"Promised: {one_line}" in summaries
    assert "Check in with Ada BEGIN:VEVENT UID:evil, Lovelace; 🎉 \\" in summaries
    for event in found:
        assert str(event["description"]).startswith(
            "Customer: Ada\nBEGIN:VEVENT\nUID:evil, Lovelace; 🎉 \\\n"
        )


@pytest.mark.django_db
def test_a_typed_backslash_n_is_written_as_a_backslash_and_an_n(client, today):
    sam = UserFactory(username="sam")
    CustomerFactory(name="C:\\new\\notes", owner=sam, next_checkin_due=today)
    token = services.feed_create(sam)

    response = client.get(f"/calendar/{quote(token)}.ics")

    # RFC 5545 escaping; icalendar's own parser reads "\\\\n" back as a line break, so the
    # bytes are checked instead.
    assert b"SUMMARY:Check in with C:\\\\new\\\\notes\r\n" in response.content


def test_nul_and_lone_carriage_returns_are_taken_out():
    now = timezone.now()
    item = CalendarItem(
        key="follow-up-1",
        summary="Tea\x00 for\rtwo,; 🎉\x1b[31m",
        description="Line one\rLine two\r\nLine three\x00\x7f\x85, ; 🎉\tend",
        path="/customers/1/",
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 3, 2),
    )

    document = calendar_document(
        name="Sam\x00\r\nStaff",
        items=[item],
        absolute_url=lambda path: "https://rapport.example" + path,
        host="rapport.example",
        now=now,
    )

    calendar = parse(document)
    assert str(calendar["name"]) == "Sam Staff"
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Tea for two,; 🎉[31m"
    assert str(event["description"]) == (
        "Line one\nLine two\nLine three, ; 🎉\tend\n\nhttps://rapport.example/customers/1/"
    )
    assert str(event["uid"]) == "follow-up-1@rapport.example"
    assert event.decoded("dtstart") == datetime.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\x00b", "ab"),
        ("a\x0bb\x0cc", "abc"),
        ("tab\tkept", "tab\tkept"),
        ("😀, ; \\", "😀, ; \\"),
        ("", ""),
    ],
)
def test_clean_text_keeps_line_feeds_and_tabs_only(text, cleaned):
    assert clean_text(text) == cleaned
