"""The kept count of live customers: PostgreSQL triggers follow every change, and the first
page of the list reads it instead of counting."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.celery import app as celery_app
from customers import services
from customers.models import Customer, LiveCustomerCount
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def live() -> int:
    return Customer.objects.live().count()


def test_the_count_follows_every_way_customers_change(staff_user):
    start = LiveCustomerCount.total()
    ada = CustomerFactory(owner=staff_user)
    Customer.objects.bulk_create(
        [
            CustomerFactory.build(
                name=f"Batch {n}", owner=None, archived_at=timezone.now() if n == 0 else None
            )
            for n in range(5)
        ]
    )
    assert LiveCustomerCount.total() == start + 5 == live()

    services.customer_archive(ada)
    assert LiveCustomerCount.total() == start + 4 == live()
    services.customer_restore(ada)
    assert LiveCustomerCount.total() == start + 5 == live()

    Customer.objects.filter(name__startswith="Batch").update(archived_at=timezone.now())
    assert LiveCustomerCount.total() == start + 1 == live()
    Customer.objects.filter(name__startswith="Batch").delete()
    assert LiveCustomerCount.total() == start + 1 == live()
    ada.delete()
    assert LiveCustomerCount.total() == start == live()


def test_other_changes_write_nothing(staff_user):
    ada = CustomerFactory(owner=staff_user)
    rows = LiveCustomerCount.objects.count()

    ada.name = "Ada King"
    ada.save()
    Customer.objects.filter(pk=ada.pk).update(loyalty_score=80, last_contact_at=timezone.now())
    services.customer_restore(ada)  # already live
    Customer.objects.filter(pk=ada.pk).update(archived_at=timezone.now())
    Customer.objects.filter(pk=ada.pk).update(archived_at=timezone.now())  # already archived

    # Only the one archiving wrote a change.
    assert LiveCustomerCount.objects.count() == rows + 1


def test_a_batch_is_one_change_whatever_its_size():
    rows = LiveCustomerCount.objects.count()

    Customer.objects.bulk_create(
        [CustomerFactory.build(name=f"C{n}", owner=None) for n in range(50)]
    )

    assert LiveCustomerCount.objects.count() == rows + 1
    assert LiveCustomerCount.objects.order_by("-pk").first().delta == 50


def test_emptying_the_table_empties_the_count():
    CustomerFactory.create_batch(3)

    with connection.cursor() as cursor:
        # The foreign keys' checks, deferred to the commit, would refuse the TRUNCATE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE customers_customer CASCADE")

    assert LiveCustomerCount.total() == 0
    CustomerFactory()
    assert LiveCustomerCount.total() == 1


def test_compacting_folds_the_changes_into_one_row_with_the_same_total():
    for _ in range(4):
        CustomerFactory()
    total = LiveCustomerCount.total()
    assert LiveCustomerCount.objects.count() > 1

    out = StringIO()
    call_command("compact_customer_count", stdout=out)

    assert list(LiveCustomerCount.objects.values_list("delta", flat=True)) == [total]
    assert out.getvalue() == f"{total} live customers\n"


def test_beat_compacts_the_count():
    entry = settings.CELERY_BEAT_SCHEDULE["compact-customer-count"]

    assert entry["task"] in celery_app.tasks


def heading_count(response) -> int:
    return int(
        re.search(r'Customers <span class="text-body-secondary fs-6">(\d+)', response.text)[1]
    )


def test_the_first_page_reads_the_kept_count_and_counts_no_customers(manager_client, staff_user):
    CustomerFactory.create_batch(3, owner=staff_user)

    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get("/customers/?sort=-created")

    assert heading_count(response) == live() == 3
    assert not [q for q in queries if 'COUNT(*) AS "__count" FROM "customers_customer"' in q["sql"]]
    # It is the kept count that the page shows: a change written by hand shows up.
    LiveCustomerCount.objects.create(delta=40)
    response = manager_client.get("/customers/")
    assert heading_count(response) == 43
    assert response.context["page"].paginator.num_pages == 2


def test_a_filtered_list_counts_its_own_rows(manager_client, staff_user):
    CustomerFactory.create_batch(3, owner=staff_user)
    CustomerFactory(owner=None)
    LiveCustomerCount.objects.create(delta=40)

    response = manager_client.get(f"/customers/?owner={staff_user.pk}")

    assert heading_count(response) == 3
