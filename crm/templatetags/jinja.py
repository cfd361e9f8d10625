"""``{% jinja "interactions/reminder_items.html" reminders=reminders %}``: a Jinja2 template
from ``jinja_templates/`` in the middle of a page, with the page's context and these values
(crm/jinja2.py says why)."""

from django import template
from django.template import engines
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **values) -> str:
    rows = engines["jinja2"].get_template(template_name)
    # The page's own token, as {% csrf_token %} writes it: Jinja2's csrf_input would mask the
    # token afresh for every row, and for every call where a page draws one row at a time.
    token = context.get("csrf_token")
    values["csrf_input"] = (
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token
        else ""
    )
    # Looked up once for the labels of every row (crm.jinja2.cached_gettext).
    values["LANGUAGE_CODE"] = get_language()
    # Jinja2 escaped every value as it rendered them.
    return mark_safe(rows.render({**context.flatten(), **values}))
