"""``{% jinja "interactions/reminder_items.html" reminders=reminders %}``: a Jinja2 template
from ``jinja_templates/`` in the middle of a page, with the page's context and these values
(config/jinja2.py says why)."""

from django import template
from django.template import engines
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **values) -> str:
    rows = engines["jinja2"].get_template(template_name)
    # The page's own token, written by {% csrf_token %}'s own node: Jinja2's csrf_input would
    # mask the token afresh for every row, and for every call where a page draws one row at a
    # time.
    values["csrf_input"] = CsrfTokenNode().render(context)
    # Looked up once for the labels of every row (config.jinja2.cached_gettext).
    values["LANGUAGE_CODE"] = get_language()
    # Jinja2 escaped every value as it rendered them.
    return mark_safe(rows.render({**context.flatten(), **values}))
