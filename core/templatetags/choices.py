"""``{{ item|choice_label:"kind" }}``: the label of a choice field's value, for rows in a loop.

Django's ``get_kind_display()`` hashes every choice of the field, translating each lazy label,
on every call; a timeline of twenty entries made eighty such calls. The labels are worked out
once per field and language here instead.
"""

import functools

from django import template
from django.utils.translation import get_language

register = template.Library()


@functools.cache
def _labels(model, field_name: str, language: str) -> tuple[str, dict]:
    # Keyed by the model and the field's name: a field's own hash takes longer to work out.
    field = model._meta.get_field(field_name)
    return field.attname, {str(value): str(label) for value, label in field.flatchoices}


@register.filter
def choice_label(obj, field_name: str) -> str:
    attname, labels = _labels(type(obj), field_name, get_language())
    value = getattr(obj, attname)
    if value is None:
        return ""
    return labels.get(str(value), str(value))
