"""``{% jinja "interactions/reminder_items.html" reminders=reminders %}``: a Jinja2 template
from ``jinja_templates/`` in the middle of a page, with the page's context and these values
(crm/jinja2.py says why)."""

from django import template
from django.template import engines
from django.template.backends.utils import csrf_input
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **values) -> str:
    rows = engines["jinja2"].get_template(template_name)
    request = context.get("request")
    # The token's field worked out once: Jinja2's own would mask the token afresh on every row.
    values["csrf_input"] = csrf_input(request) if request is not None else ""
    # Jinja2 escaped every value as it rendered them.
    return mark_safe(rows.render({**context.flatten(), **values}))
