"""The Jinja2 environment for what pages repeat (``jinja_templates/``, drawn by ``{% jinja %}``).

The template language spends tens of microseconds on every tag and variable; a row with its
forms costs about half a millisecond, and My day shows up to eighty rows. Jinja2 compiles a
template to Python and renders the same rows several times faster. Layouts and most pages stay
in the template language; what they repeat comes here: the rows of long lists, form fields and
widgets (core.forms.FormRenderer uses this engine too), and the profile, the page opened most
with the most on it.
"""

import datetime
import functools

from django.template.defaultfilters import date, timesince_filter
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext, override
from jinja2 import Environment, pass_context

from core.links import link
from core.people import person_name
from core.templatetags.choices import choice_label
from voice.display import loyalty_band, loyalty_colour, loyalty_factors


@functools.cache
def _translation(language: str, message: str) -> str:
    with override(language):
        return gettext(message)


@pass_context
def cached_gettext(context, message: str) -> str:
    """Rows repeat the same few labels: each is looked up once per language, not per row. The
    language comes from the context ({% jinja %} puts it there): asking Django costs a context
    variable lookup of its own, several microseconds, for every label."""
    return _translation(context.get("LANGUAGE_CODE") or get_language(), message)


@functools.lru_cache(maxsize=4096)
def _day_text(function, value: datetime.date, other, language: str) -> str:
    return function(value, other)


def local_date(value, format_string: str) -> str:
    """The template language's ``date`` filter, in the current time zone as it shows dates.
    A day (not a moment) reads the same whatever the time zone: My day and the reminders
    show the same few days on every row, so each is written once per format and language."""
    if type(value) is datetime.date:
        return _day_text(date, value, format_string, get_language())
    if format_string == "c":
        return template_localtime(value).isoformat()
    return date(template_localtime(value), format_string)


def days_since(value: datetime.date, today: datetime.date) -> str:
    """``timesince`` from one day to another ("3 days", "1 month, 2 weeks"), each pair
    worked out once per language: My day's rows are overdue by the same few spans."""
    return _day_text(timesince_filter, value, today, get_language())


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(cached_gettext, ngettext, newstyle=True)
    env.globals.update(url=link, loyalty_factors=loyalty_factors)
    env.filters.update(
        date=local_date,
        timesince=days_since,
        choice_label=choice_label,
        person_name=person_name,
        loyalty_band=loyalty_band,
        loyalty_colour=loyalty_colour,
    )
    return env
