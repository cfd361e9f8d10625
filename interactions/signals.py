"""Signals this app sends for the layers above it to act on, since it may not import them."""

from django.dispatch import Signal

# Sent with customer_id= inside the write's transaction whenever an input of the customer's
# loyalty score changes: an interaction logged or corrected, a complaint opened, settled or
# reopened, a remedy accepted or declined. voice connects its recomputation to it.
customer_experience_changed = Signal()
