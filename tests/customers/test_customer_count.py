"""The customer list's heading: how many customers are live, counted at most once a minute per
process for the unfiltered list, and counted afresh for a filtered one."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import selectors
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

COUNT_SQL = 'COUNT(*) AS "__count" FROM "customers_customer"'


def heading_count(response) -> int:
    return int(
        re.search(r'Customers <span class="text-body-secondary fs-6">(\d+)', response.text)[1]
    )


def counts_in(queries) -> int:
    return sum(COUNT_SQL in query["sql"] for query in queries)


def test_a_full_first_page_counts_the_live_customers_once_in_a_while(manager_client, staff_user):
    CustomerFactory.create_batch(30, owner=staff_user)
    CustomerFactory(owner=staff_user, archived_at="2026-01-01T00:00Z")

    with CaptureQueriesContext(connection) as first:
        assert heading_count(manager_client.get("/customers/?sort=-created")) == 30
    CustomerFactory(owner=staff_user)
    with CaptureQueriesContext(connection) as second:
        response = manager_client.get("/customers/")

    assert (counts_in(first), counts_in(second)) == (1, 0)
    assert heading_count(response) == 30
    assert response.context["page"].paginator.num_pages == 2
    cache.delete("customers.live_count")  # a minute later
    assert heading_count(manager_client.get("/customers/")) == 31


def test_a_first_page_with_room_to_spare_is_its_own_count(manager_client, staff_user):
    CustomerFactory.create_batch(3, owner=staff_user)
    manager_client.get("/customers/")
    CustomerFactory(owner=staff_user)

    with CaptureQueriesContext(connection) as queries:
        assert heading_count(manager_client.get("/customers/")) == 4

    assert counts_in(queries) == 0


def test_the_count_is_kept_for_a_minute():
    assert selectors.LIVE_COUNT_SECONDS == 60


def test_a_filtered_list_counts_its_own_rows(manager_client, staff_user):
    CustomerFactory.create_batch(3, owner=staff_user)
    CustomerFactory(owner=None)
    manager_client.get("/customers/")  # the live count kept: 4

    response = manager_client.get(f"/customers/?owner={staff_user.pk}")

    assert heading_count(response) == 3
