"""How a loyalty score is shown on the profile: its band, its colour and its factors, all from
the customer row (templates/voice/loyalty.html, through voice/templatetags/loyalty.py)."""

from django.utils.translation import gettext as _

from voice.loyalty import LABELS, WEIGHTS


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


def loyalty_band(score) -> str:
    if score is None:
        return ""
    if score >= 70:
        return _("Loyal")
    if score >= 40:
        return _("Lukewarm")
    return _("At risk of leaving")


def loyalty_colour(score) -> str:
    if score is None:
        return "secondary"
    if score >= 70:
        return "success"
    if score >= 40:
        return "warning"
    return "danger"
