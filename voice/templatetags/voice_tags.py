"""Template helpers for the loyalty card: everything comes from the customer row."""

from django import template
from django.utils.translation import gettext as _

from voice.loyalty import LABELS, WEIGHTS

register = template.Library()


@register.simple_tag
def loyalty_factors(customer) -> list[dict]:
    """The stored factors in the formula's order, with their labels and weights."""
    stored = customer.loyalty_factors or {}
    return [
        {
            "name": name,
            "label": LABELS[name],
            "weight": WEIGHTS[name],
            "value": stored.get(name, {}).get("value"),
            "reason": stored.get(name, {}).get("reason", ""),
        }
        for name in WEIGHTS
    ]


@register.filter
def loyalty_band(score) -> str:
    if score is None:
        return ""
    if score >= 70:
        return _("Loyal")
    if score >= 40:
        return _("Lukewarm")
    return _("At risk of leaving")


@register.filter
def loyalty_colour(score) -> str:
    if score is None:
        return "secondary"
    if score >= 70:
        return "success"
    if score >= 40:
        return "warning"
    return "danger"
