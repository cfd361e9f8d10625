"""``{{ customer.loyalty_score|loyalty_colour }}`` and the rest of how a loyalty score is shown
(voice.display), for the customer list and the profile."""

from django import template

from voice import display

register = template.Library()
register.filter("loyalty_band", display.loyalty_band)
register.filter("loyalty_colour", display.loyalty_colour)
register.filter("loyalty_factors", display.loyalty_factors)
