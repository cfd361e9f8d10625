"""A feed's items as an iCalendar (RFC 5545) document, built by the icalendar package.

icalendar escapes commas, semicolons, backslashes and line breaks in text, but passes a lone
carriage return and other control characters through, and those would end a line early or
make the document unreadable; text from users is cleaned of them first.
"""

import datetime
import re

import icalendar

from .items import CalendarItem

PRODID = "-//Rapport//Calendar feed//EN"
# How often a calendar app should fetch the feed again (RFC 7986, and Outlook's older name).
REFRESH = datetime.timedelta(hours=1)
# Control characters but tab and line feed, once a CR LF or a lone CR has become a line feed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str, *, one_line: bool = False) -> str:
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return " ".join(text.split()) if one_line else text


def _utc(moment: datetime.datetime) -> datetime.datetime:
    # In UTC, so that no time zone definitions are needed.
    return moment.astimezone(datetime.UTC)


def _when(value: datetime.date | datetime.datetime) -> datetime.date | datetime.datetime:
    return _utc(value) if isinstance(value, datetime.datetime) else value


def calendar_document(
    *, name: str, items: list[CalendarItem], absolute_url, host: str, now: datetime.datetime
) -> bytes:
    """The document for ``items``; ``absolute_url`` makes a path a full URL, and ``host``
    ends each UID."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    title = clean_text(name, one_line=True)
    calendar.add("name", title)
    calendar.add("x-wr-calname", title)
    calendar.add("refresh-interval", icalendar.vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    stamp = _utc(now)
    for item in items:
        url = absolute_url(item.path)
        event = icalendar.Event()
        event.add("uid", f"{item.key}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _when(item.start))
        event.add("dtend", _when(item.end))
        event.add("summary", clean_text(item.summary, one_line=True))
        # Google Calendar shows no URL property: the link goes in the description as well.
        event.add("description", f"{clean_text(item.description)}\n\n{url}")
        event.add("url", url)
        # Reminders of work, not meetings: they leave the person free in free/busy views.
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
