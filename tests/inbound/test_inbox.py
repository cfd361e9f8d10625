"""The inbox: staff file email that matched no customer, create the customer, or set it aside;
managers process failed email again."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from customers.models import Customer
from inbound.models import InboundMessage
from interactions.models import Interaction
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
State = InboundMessage.State


def stored(*, state=State.UNMATCHED, sender="grace@example.com", name="Grace Hopper", **fields):
    count = InboundMessage.objects.count()
    raw = (
        f"From: {name} <{sender}>\r\nSubject: A question\r\nMessage-ID: <m{count}@example.com>\r\n"
        f"\r\nDo you open on Sundays?\r\n"
    ).encode()
    return InboundMessage.objects.create(
        **{
            "source": "smtp",
            "raw": raw,
            "size": len(raw),
            "dedupe_key": f"<m{count}@example.com>",
            "from_address": sender,
            "from_name": name,
            "subject": "A question",
            "excerpt": "Do you open on Sundays?",
            "state": state,
            **fields,
        }
    )


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(name, message):
    return reverse(f"inbound:{name}", args=[message.pk])


def test_staff_see_unmatched_email_escaped_and_not_the_failed(staff_client):
    stored(name="<b>Grace</b>", excerpt="<script>alert(1)</script>")
    stored(state=State.FAILED, reason="ValueError: no")
    stored(state=State.SET_ASIDE)
    stored(state=State.FILED)
    page = staff_client.get(reverse("inbound:inbox")).content.decode()
    assert page.count('class="card shadow-sm mb-3 inbox-message"') == 1
    assert "&lt;b&gt;Grace&lt;/b&gt;" in page and "<b>Grace</b>" not in page
    assert "&lt;script&gt;" in page
    assert "Process it again" not in page


def test_managers_also_see_failed_email_with_its_error(manager_client):
    stored(state=State.FAILED, reason="ValueError: no")
    page = manager_client.get(reverse("inbound:inbox")).content.decode()
    assert "ValueError: no" in page
    assert "Process it again" in page


def test_the_inbox_costs_the_same_queries_however_long(staff_client, django_assert_num_queries):
    for _ in range(30):
        stored()
    # session, user with the manager check, count, one page
    with django_assert_num_queries(4):
        response = staff_client.get(reverse("inbound:inbox"))
    assert len(response.context["page"].object_list) == 25


@pytest.mark.parametrize("given", ["email", "number", "hash-number"])
def test_an_email_is_filed_on_the_customer_named_by_email_or_number(
    staff_client, staff_user, given
):
    ada = CustomerFactory(email="ada@example.com")
    message = stored()
    value = {"email": " ADA@example.com ", "number": str(ada.pk), "hash-number": f"#{ada.pk}"}
    response = staff_client.post(url("attach", message), {"customer": value[given]})
    assert response.url == reverse("inbound:inbox")
    assert messages_of(response) == [f"Filed on {ada.name}'s timeline."]
    interaction = Interaction.objects.get(customer=ada)
    assert (interaction.kind, interaction.author, interaction.initiated_by) == (
        "email",
        staff_user,
        "customer",
    )
    assert interaction.summary == "A question"
    assert "Do you open on Sundays?" in interaction.details
    message.refresh_from_db()
    assert (message.state, message.handled_by) == (State.FILED, staff_user)
    assert list(message.interactions.all()) == [interaction]


@pytest.mark.parametrize(
    "value", ["", "nobody@example.com", "١٢", "9" * 40, "1" * 19, "0", "-1", "\x00", "a" * 300]
)
def test_a_customer_that_cannot_be_found_is_a_message_not_a_500(staff_client, value):
    CustomerFactory(email="ada@example.com")
    message = stored()
    response = staff_client.post(url("attach", message), {"customer": value})
    assert response.status_code == 302
    assert messages_of(response)
    assert not Interaction.objects.exists()
    message.refresh_from_db()
    assert message.state == State.UNMATCHED


def test_creating_the_customer_from_the_sender_files_the_email_on_them(staff_client, staff_user):
    message = stored()
    response = staff_client.post(url("create-customer", message))
    grace = Customer.objects.get()
    assert (grace.name, grace.email, grace.owner) == (
        "Grace Hopper",
        "grace@example.com",
        staff_user,
    )
    assert response.url == grace.get_absolute_url()
    assert Interaction.objects.get().customer == grace


def test_a_customer_added_meanwhile_gets_the_email_instead_of_a_twin(staff_client):
    message = stored()
    grace = CustomerFactory(name="Grace", email="Grace@Example.com")
    staff_client.post(url("create-customer", message))
    assert Customer.objects.count() == 1
    assert Interaction.objects.get().customer == grace


def test_set_aside_email_is_kept_but_no_longer_listed(staff_client, staff_user):
    message = stored()
    response = staff_client.post(url("set-aside", message))
    assert messages_of(response) == ["Set aside: it is kept, but no longer listed."]
    message.refresh_from_db()
    assert (message.state, message.handled_by) == (State.SET_ASIDE, staff_user)
    assert "A question" not in staff_client.get(reverse("inbound:inbox")).content.decode()


def test_email_dealt_with_already_is_not_dealt_with_twice(staff_client):
    ada = CustomerFactory(email="ada@example.com")
    message = stored()
    staff_client.post(url("attach", message), {"customer": str(ada.pk)})
    for name, data in [
        ("attach", {"customer": str(ada.pk)}),
        ("create-customer", {}),
        ("set-aside", {}),
    ]:
        response = staff_client.post(url(name, message), data)
        assert messages_of(response)[-1] == "Someone has dealt with this email already."
    assert Interaction.objects.count() == 1
    assert Customer.objects.count() == 1


def test_a_manager_processes_failed_email_again(manager_client, staff_client):
    CustomerFactory(email="grace@example.com")
    message = stored(state=State.FAILED, reason="ValueError: no manager")
    assert staff_client.post(url("retry", message)).status_code == 403
    response = manager_client.post(url("retry", message))
    assert messages_of(response) == ["The email is being processed again."]
    message.refresh_from_db()
    assert (message.state, message.reason) == (State.RECEIVED, "")


def test_unknown_email_is_404(staff_client):
    for name in ("attach", "create-customer", "set-aside"):
        response = staff_client.post(reverse(f"inbound:{name}", args=[999999]), {"customer": "1"})
        assert response.status_code == 404


def test_my_day_tells_managers_how_much_email_waits(manager_client, staff_client):
    stored()
    stored()
    assert "2 emails matched no customer." in manager_client.get("/").content.decode()
    assert "matched no customer" not in staff_client.get("/").content.decode()
