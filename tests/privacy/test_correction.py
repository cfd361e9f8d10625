"""Correction: staff correct what a customer asks them to, and the audit trail shows who did
it, when, and that the customer asked."""

import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(staff_user):
    return CustomerFactory(
        name="Ada Lovelace", email="ada@example.com", owner=staff_user, phone="+44 20 7946 0000"
    )


def correct(client, customer, **changes):
    """Send the edit form as it was drawn, with ``changes``."""
    fields = {
        "name": customer.name,
        "company": customer.company,
        "email": customer.email,
        "phone": customer.phone,
        "preferred_channel": customer.preferred_channel,
        "temperament": customer.temperament,
        "expectations": customer.expectations,
        "unmet_wants": customer.unmet_wants,
        "customer_since": customer.customer_since.isoformat(),
        "segment": customer.segment,
        "status": customer.status,
        "checkin_cadence_days": "",
        "birthday": "",
        "tags_text": "",
        **changes,
    }
    return client.post(f"/customers/{customer.pk}/edit/", fields)


def audit_entries(client, customer):
    return client.get(f"/customers/{customer.pk}/audit/").context["entries"]


def test_the_owner_corrects_a_field_at_the_customers_request_and_the_trail_says_so(
    staff_client, manager_client, staff_user, customer
):
    response = correct(
        staff_client, customer, email="ada.king@example.com", correction_requested="on"
    )

    assert response.status_code == 302
    (entry,) = [e for e in audit_entries(manager_client, customer) if e.action == "changed"]
    assert entry.who == staff_user
    assert ("email", "ada@example.com", "ada.king@example.com") in entry.changes
    assert entry.reason == "Corrected at the customer's request"
    page = manager_client.get(f"/customers/{customer.pk}/audit/").content.decode()
    assert "(Corrected at the customer&#x27;s request)" in page


def test_a_change_of_our_own_gives_no_reason(staff_client, manager_client, customer):
    correct(staff_client, customer, expectations="Calls before noon.")

    (entry,) = [e for e in audit_entries(manager_client, customer) if e.action == "changed"]
    assert entry.reason == ""


def test_a_manager_corrects_any_customer(manager_client, manager_user, customer):
    correct(manager_client, customer, birthday="1990-12-10", correction_requested="on")

    (entry,) = [e for e in audit_entries(manager_client, customer) if e.action == "changed"]
    assert entry.who == manager_user
    assert entry.reason == "Corrected at the customer's request"


def test_staff_who_do_not_own_them_may_not(other_staff_client, customer):
    response = correct(other_staff_client, customer, name="Someone Else")

    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "Ada Lovelace"


def test_only_an_existing_customer_is_offered_a_correction(staff_client, customer):
    assert 'name="correction_requested"' not in staff_client.get("/customers/new/").content.decode()
    edit = staff_client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'name="correction_requested"' in edit


@pytest.mark.parametrize("value", ["\x00", "١", "x" * 10_000])
def test_an_odd_tick_is_read_as_a_tick_or_not_never_an_error(staff_client, customer, value):
    assert correct(staff_client, customer, correction_requested=value).status_code == 302
