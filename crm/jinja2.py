"""The Jinja2 environment for what pages repeat (``jinja_templates/``, drawn by ``{% jinja %}``).

The template language spends tens of microseconds on every tag and variable; a row with its
forms costs about half a millisecond, and My day shows up to eighty rows. Jinja2 compiles a
template to Python and renders the same rows several times faster. Pages and layouts stay in
the template language; what they repeat comes here: the rows of long lists, and form fields and
widgets (crm.forms.FormRenderer uses this engine too).
"""

import functools

from django.template.defaultfilters import date, timesince_filter
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext
from jinja2 import Environment

from crm.links import link
from crm.people import person_name
from crm.templatetags.choices import choice_label
from voice.templatetags.voice_tags import loyalty_colour


@functools.cache
def _translation(language: str, message: str) -> str:
    return gettext(message)


def cached_gettext(message: str) -> str:
    """Rows repeat the same few labels: each is looked up once per language, not per row."""
    return _translation(get_language(), message)


def local_date(value, format_string: str) -> str:
    """The template language's ``date`` filter, in the current time zone as it shows dates."""
    return date(template_localtime(value), format_string)


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(cached_gettext, ngettext, newstyle=True)
    env.globals["url"] = link
    env.filters.update(
        date=local_date,
        timesince=timesince_filter,
        choice_label=choice_label,
        person_name=person_name,
        loyalty_colour=loyalty_colour,
    )
    return env
