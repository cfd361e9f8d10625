"""``{{ follow_up.due_on|day:"D j M" }}`` and ``{{ follow_up.due_on|days_since:today }}``:
Django's ``date`` and ``timesince`` filters for days (not moments), each day written once per
format and language. A list shows the same few days on every row, and ``date`` takes tens of
microseconds a call, most of it translating the month's name (bench/FINDINGS.md)."""

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


@register.filter
def days_since(value: datetime.date, today: datetime.date) -> str:
    """How long ago a day was ("3 days", "1 month, 2 weeks")."""
    return _day_text(timesince_filter, value, today, get_language())
