"""Telling customers of one name apart where they are listed together."""

from collections import defaultdict
from collections.abc import Iterable

from .models import Customer


def tell_apart(customers: Iterable[Customer]) -> None:
    """Where different customers of one name are listed together, give each an ``aside`` (its
    company, else its email) to show beside the name; the rest get an empty one."""
    customers = list(customers)
    ids_by_name = defaultdict(set)
    for customer in customers:
        ids_by_name[customer.name.casefold()].add(customer.pk)
    for customer in customers:
        repeated = len(ids_by_name[customer.name.casefold()]) > 1
        customer.aside = (customer.company or customer.email) if repeated else ""
