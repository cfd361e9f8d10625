import pytest

from customers.services import customer_update
from interactions.services import interaction_log
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(staff_user):
    customer = CustomerFactory(name="Ada Lovelace", owner=staff_user, company="Analytical")
    customer_update(customer, company="Engines & Co")
    interaction_log(customer=customer, author=staff_user, summary="Rang about the invoice")
    return customer


def test_manager_sees_who_changed_what(manager_client, customer):
    response = manager_client.get(f"/customers/{customer.pk}/audit/")

    entries = response.context["entries"]
    content = response.content.decode()
    company_changes = [
        change
        for entry in entries
        if entry.what == "Customer" and entry.action == "changed"
        for change in entry.changes
        if change[0] == "company"
    ]
    assert company_changes == [("company", "Analytical", "Engines & Co")]
    assert any(e.what.startswith("Interaction #") and e.action == "created" for e in entries)
    assert "Engines &amp; Co" in content


def test_the_audit_trail_is_for_managers(client, staff_client, customer):
    assert client.get(f"/customers/{customer.pk}/audit/").status_code == 302
    assert staff_client.get(f"/customers/{customer.pk}/audit/").status_code == 403


def test_audit_trail_of_an_unknown_customer_is_404(manager_client):
    assert manager_client.get("/customers/999999/audit/").status_code == 404
