"""``{% link "interactions:reminder-done" reminder.pk %}``: ``{% url %}`` for links to pages
named by their ids, through core.links, for rows that draw several links each."""

from django import template

from core.links import link as link_to

register = template.Library()
register.simple_tag(link_to, name="link")
