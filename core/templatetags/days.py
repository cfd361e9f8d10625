"""Days and moments as rows write them, for lists that show many:

- ``{{ follow_up.due_on|day:"D j M" }}``: Django's ``date`` filter for a day;
- ``{{ complaint.resolve_by|moment:"j M" }}``: ``date:"j M, H:i"`` in the current time zone,
  the day in the format given and then the time;
- ``{{ follow_up.due_on|days_since:today }}``: ``timesince`` from one day to another.

Each day is written once per format and language: ``date`` takes tens of microseconds a call,
most of it translating the names of the day and the month, and a list shows the same few days
on every row (bench/FINDINGS.md).
"""

import datetime
import functools

from django import template
from django.template.defaultfilters import date, timesince_filter
from django.utils.timezone import template_localtime
from django.utils.translation import get_language

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _day_text(function, value: datetime.date, other, language: str) -> str:
    return function(value, other)


@register.filter
def day(value, format_string: str) -> str:
    if value is None:
        return ""
    if type(value) is not datetime.date:
        # A moment's day, in the current time zone as the date filter shows it.
        value = template_localtime(value).date()
    return _day_text(date, value, format_string, get_language())


@register.filter(expects_localtime=True)
def moment(value: datetime.datetime | None, day_format: str) -> str:
    if value is None:
        return ""
    return f"{_day_text(date, value.date(), day_format, get_language())}, {value:%H:%M}"


@register.filter
def days_since(value: datetime.date, today: datetime.date) -> str:
    """How long ago a day was ("3 days", "1 month, 2 weeks")."""
    return _day_text(timesince_filter, value, today, get_language())
