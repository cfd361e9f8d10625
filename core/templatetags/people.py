"""``{{ user|person_name }}``: how a member of staff is named (core.people.person_name)."""

from django import template

from core.people import person_name

register = template.Library()
register.filter("person_name", person_name)
