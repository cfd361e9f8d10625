import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer
from tests.factories import CustomerFactory, TagFactory
from tests.interactions.factories import ComplaintEventFactory, ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory, InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(staff_user):
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com", owner=staff_user)


def _form_data(**overrides):
    data = {
        "name": "Grace Hopper",
        "company": "Navy Yard",
        "email": "Grace@Example.com ",
        "phone": "+44 20 7946 0000",
        "preferred_channel": "phone",
        "temperament": "driver",
        "expectations": "Straight answers.",
        "unmet_wants": "Weekend visits.",
        "customer_since": "2025-01-15",
        "segment": "",
        "status": "active",
        "checkin_cadence_days": "",
        "birthday": "",
        "tags_text": "vip, Weekly, vip",
    }
    data.update(overrides)
    return data


# Create ---------------------------------------------------------------------------------------


def test_staff_creates_a_customer_they_then_own(staff_client, staff_user):
    response = staff_client.post("/customers/new/", _form_data())

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.owner == staff_user
    assert customer.email == "grace@example.com"
    assert sorted(t.name for t in customer.tags.all()) == ["Weekly", "vip"]
    # Established (customer for over 90 days), 60-day cadence, never contacted.
    assert customer.next_checkin_due == datetime.date(2025, 1, 15) + datetime.timedelta(days=60)


def test_staff_cannot_pick_another_owner(staff_client, staff_user, other_staff_user):
    staff_client.post("/customers/new/", _form_data(owner=other_staff_user.pk))

    assert Customer.objects.get().owner == staff_user


def test_manager_chooses_the_owner(manager_client, other_staff_user):
    manager_client.post("/customers/new/", _form_data(owner=other_staff_user.pk))

    assert Customer.objects.get().owner == other_staff_user


def test_bad_input_is_shown_beside_the_field_and_kept(staff_client):
    response = staff_client.post(
        "/customers/new/",
        _form_data(name="", email="not-an-email", checkin_cadence_days="0", customer_since="31/02"),
    )

    assert response.status_code == 200
    assert Customer.objects.count() == 0
    errors = response.context["form"].errors
    assert set(errors) == {"name", "email", "checkin_cadence_days", "customer_since"}
    assert b'value="not-an-email"' in response.content
    assert b"Navy Yard" in response.content


def test_duplicate_email_names_the_existing_customer_with_a_link(staff_client, owned):
    response = staff_client.post("/customers/new/", _form_data(email="ADA@example.com"))

    assert response.status_code == 200
    assert Customer.objects.count() == 1
    assert response.context["form"].errors["email"] == [
        f'This email already belongs to <a href="/customers/{owned.pk}/">Ada Lovelace</a>. '
        "Open that customer instead, or use another address."
    ]


def test_customer_name_is_escaped_in_the_duplicate_message(staff_client, staff_user):
    CustomerFactory(name="<script>alert(1)</script>", email="x@example.com", owner=staff_user)

    response = staff_client.post("/customers/new/", _form_data(email="x@example.com"))

    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


# Profile --------------------------------------------------------------------------------------


def test_profile_shows_facts_tip_and_the_customers_own_words(staff_client, owned):
    owned.temperament = Customer.Temperament.ANALYTICAL
    owned.expectations = "Quotes in writing."
    owned.unmet_wants = "Online booking."
    owned.save()

    response = staff_client.get(f"/customers/{owned.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in content
    assert "Bring facts and detail in writing" in content
    assert "Quotes in writing." in content
    assert "Online booking." in content
    assert "Sam Staff" in content


def test_profile_of_an_unknown_customer_is_404(staff_client):
    assert staff_client.get("/customers/999999/").status_code == 404


def test_other_staff_can_read_but_not_edit(other_staff_client, owned):
    response = other_staff_client.get(f"/customers/{owned.pk}/")

    assert response.status_code == 200
    assert f"/customers/{owned.pk}/edit/" not in response.content.decode()


@pytest.mark.parametrize("count", [3, 60])
def test_profile_query_count_is_constant(
    staff_client, staff_user, django_assert_num_queries, count
):
    tags = [TagFactory() for _ in range(3)]
    customers = CustomerFactory.create_batch(count, owner=staff_user, tags=tags)
    customer = customers[-1]
    now = timezone.now()
    for n in range(count):
        InteractionFactory(
            customer=customer, occurred_at=now - datetime.timedelta(hours=n + 1), kind="call"
        )
    for _ in range(count // 20 + 1):
        complaint = ComplaintFactory(customer=customer, assignee=staff_user)
        ComplaintEventFactory(complaint=complaint, actor=staff_user)
    FollowUpFactory.create_batch(count // 10 + 1, customer=customer, assignee=staff_user)

    # session, user, customer + owner, its tags, the manager check, the people for the timeline
    # filter and the follow-up form; timeline: count, one page of (type, id, time), then its
    # interactions + authors, complaint events + actors + cases, follow-ups + assignees;
    # open follow-ups + assignees; complaints + assignees
    with django_assert_num_queries(13):
        response = staff_client.get(f"/customers/{customer.pk}/")

    types = {entry.type for entry in response.context["timeline"].object_list}
    assert types == {"interaction", "complaint_event", "follow_up"}
    assert response.context["open_follow_ups"]
    assert response.context["complaints"]


def test_manager_profile_reassign_select_shares_the_people_query(
    manager_client, staff_client, staff_user
):
    customer = CustomerFactory(owner=staff_user)
    InteractionFactory(customer=customer)

    counts = {}
    for role, client in (("staff", staff_client), ("manager", manager_client)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/customers/{customer.pk}/")
        counts[role] = len(queries)

    # A manager's page adds the reassign select, drawn from the people the page already has.
    assert counts["manager"] == counts["staff"]
    owner = str(response.context["reassign_form"]["owner"])
    assert (
        f'<option value="{staff_user.pk}" selected>{staff_user.get_full_name()}</option>' in owner
    )
    assert '<option value="">Nobody (unassigned)</option>' in owner
