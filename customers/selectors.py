"""Reads of customers that are more than a named queryset."""

from django.core.cache import cache

from .models import Customer

# The customer list's first page shows how many customers are live. Counting them grows with the
# book, so each process counts at most once this often; a customer added meanwhile shows in the
# next count (bench/FINDINGS.md, round 6).
LIVE_COUNT_SECONDS = 60


def live_customer_count() -> int:
    return cache.get_or_set(
        "customers.live_count", lambda: Customer.objects.live().count(), LIVE_COUNT_SECONDS
    )
