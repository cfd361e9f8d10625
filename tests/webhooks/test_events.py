"""What happens becomes a signed POST: each event the services emit reaches a real HTTP receiver
once, with a signature it can check, in the transaction of the change it tells."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from core.events import emit
from customers.models import Customer
from customers.services import customer_create, customer_update
from interactions.complaints.services import complaint_open, complaint_transition
from interactions.models import Complaint, Interaction
from interactions.reminders.planning import plan_reminders
from interactions.services import interaction_log
from tests.factories import CustomerFactory, UserFactory
from tests.interactions.reminder_factories import (
    ComplaintFactory,
    FollowUpFactory,
    days_from_today,
    due_customer,
)
from webhooks import delivery
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.subscriptions import forget_subscriptions

from .factories import EndpointFactory
from .receiver import verify

pytestmark = pytest.mark.django_db
Event = WebhookEndpoint.Event


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Staff")


@pytest.fixture
def endpoint(receiver):
    return EndpointFactory(url=receiver.url)


def send_all() -> int:
    return delivery.deliveries_send_due()


def test_adding_a_customer_posts_a_signed_customer_created_once(receiver, endpoint, sam):
    customer = customer_create(name="Ada Lovelace", email="Ada@Example.com", owner=sam)

    assert send_all() == 1
    assert send_all() == 0
    (request,) = receiver.requests
    assert verify(endpoint.secret, request.body, request.headers["Rapport-Signature"])
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Rapport-Event"] == "customer.created"
    sent = WebhookDelivery.objects.get()
    assert request.headers["Rapport-Delivery"] == str(sent.pk)
    assert request.event_id == sent.event_id == request.json["id"]
    assert request.json["event"] == "customer.created"
    data = request.json["data"]
    assert data["object"] == "customer"
    assert data["id"] == customer.pk
    assert data["name"] == "Ada Lovelace"
    assert data["email"] == "ada@example.com"
    assert data["owner"] == {"id": sam.pk, "name": "Sam Staff"}
    assert data["url"] == f"http://127.0.0.1:8000/customers/{customer.pk}/"
    assert data["created_at"].endswith("Z")
    sent.refresh_from_db()
    assert (sent.state, sent.attempts, sent.response_status) == ("delivered", 1, 200)


def test_a_signature_made_with_another_secret_or_over_another_body_does_not_verify(
    receiver, endpoint, sam
):
    customer_create(name="Ada Lovelace", owner=sam)
    send_all()
    (request,) = receiver.requests
    header = request.headers["Rapport-Signature"]

    assert not verify("whsec_someone-else", request.body, header)
    assert not verify(endpoint.secret, request.body + b" ", header)


def test_changing_a_customer_posts_customer_updated(receiver, sam):
    customer = CustomerFactory(name="Ada Lovelace", owner=sam)
    EndpointFactory(url=receiver.url, events=[Event.CUSTOMER_UPDATED])

    customer_update(customer, company="Analytical Engines")
    send_all()

    (request,) = receiver.requests
    assert request.json["event"] == "customer.updated"
    assert request.json["data"]["company"] == "Analytical Engines"


def test_logging_an_interaction_posts_interaction_logged(receiver, endpoint, sam):
    customer = CustomerFactory(name="Ada Lovelace", owner=sam)

    interaction = interaction_log(
        customer=customer, author=sam, kind=Interaction.Kind.CALL, summary="Rang about the tea"
    )
    send_all()

    (request,) = receiver.requests
    assert verify(endpoint.secret, request.body, request.headers["Rapport-Signature"])
    data = request.json["data"]
    assert request.json["event"] == "interaction.logged"
    assert data["object"] == "interaction"
    assert data["id"] == interaction.pk
    assert data["summary"] == "Rang about the tea"
    assert data["customer"]["id"] == customer.pk
    assert data["customer"]["name"] == "Ada Lovelace"
    assert data["author"] == {"id": sam.pk, "name": "Sam Staff"}
    assert data["url"].endswith(f"/customers/{customer.pk}/#interaction-{interaction.pk}")


def test_opening_and_resolving_a_complaint_posts_each_once(receiver, endpoint, sam):
    customer = CustomerFactory(name="Ada Lovelace", owner=sam)

    complaint = complaint_open(
        customer=customer, summary="Cold tea", severity=Complaint.Severity.HIGH, opened_by=sam
    )
    complaint_transition(
        complaint, to_status=Complaint.Status.RESOLVED, actor=sam, resolution_summary="New pot."
    )
    send_all()
    send_all()

    # The complaint was logged as an interaction first.
    assert sorted(receiver.events()) == [
        "complaint.opened",
        "complaint.resolved",
        "interaction.logged",
    ]
    for request in receiver.requests:
        assert verify(endpoint.secret, request.body, request.headers["Rapport-Signature"])
    by_event = {request.json["event"]: request.json["data"] for request in receiver.requests}
    opened, resolved = by_event["complaint.opened"], by_event["complaint.resolved"]
    assert opened["id"] == resolved["id"] == complaint.pk
    assert opened["summary"] == "Cold tea"
    assert opened["severity"] == "high"
    assert (opened["status"], resolved["status"]) == ("open", "resolved")
    assert resolved["resolution_summary"] == "New pot."
    assert resolved["url"] == f"http://127.0.0.1:8000/complaints/{complaint.pk}/"


def test_the_event_id_stays_the_same_across_retries(receiver, endpoint, sam):
    receiver.statuses = [500, 503]
    customer_create(name="Ada Lovelace", owner=sam)

    for _attempt in range(3):
        send_all()
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())

    first, second, third = receiver.requests
    assert first.event_id == second.event_id == third.event_id
    assert first.body == second.body == third.body
    assert first.headers["Rapport-Delivery"] == third.headers["Rapport-Delivery"]
    assert WebhookDelivery.objects.get().state == "delivered"


def test_a_write_rolled_back_sends_nothing(receiver, endpoint, sam):
    with pytest.raises(RuntimeError), transaction.atomic():
        customer_create(name="Ada Lovelace", owner=sam)
        raise RuntimeError("the request failed after the save")

    assert send_all() == 0
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()
    assert not Customer.objects.exists()


def test_an_endpoint_not_subscribed_to_the_event_gets_nothing(receiver, sam):
    EndpointFactory(url=receiver.url, events=[Event.COMPLAINT_OPENED])

    customer_create(name="Ada Lovelace", owner=sam)

    assert send_all() == 0
    assert receiver.requests == []


def test_a_disabled_endpoint_gets_nothing(receiver, sam):
    EndpointFactory(url=receiver.url, enabled=False)

    customer_create(name="Ada Lovelace", owner=sam)

    assert send_all() == 0
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_each_subscribed_endpoint_gets_its_own_delivery_of_one_event_id(receiver, sam):
    first = EndpointFactory(url=receiver.url)
    second = EndpointFactory(url=receiver.url + "/second", events=[Event.CUSTOMER_CREATED])

    customer_create(name="Ada Lovelace", owner=sam)
    send_all()

    assert len(receiver.requests) == 2
    assert len({request.event_id for request in receiver.requests}) == 1
    secrets = {first.secret, second.secret}
    for request in receiver.requests:
        header = request.headers["Rapport-Signature"]
        assert [s for s in secrets if verify(s, request.body, header)]


def test_the_delivery_is_queued_after_the_commit(
    endpoint, sam, django_capture_on_commit_callbacks, monkeypatch
):
    from webhooks import recording

    queued = []
    monkeypatch.setattr(recording, "enqueue", lambda task, *args: queued.append((task, args)))

    with django_capture_on_commit_callbacks(execute=True):
        customer_create(name="Ada Lovelace", owner=sam)
        assert queued == []  # not before the commit

    (delivery_id,) = WebhookDelivery.objects.values_list("pk", flat=True)
    assert [(task.name, args) for task, args in queued] == [
        ("webhooks.tasks.send_webhooks", ([delivery_id],))
    ]


# What costs nothing when nobody listens ---------------------------------------------------------


def test_an_event_nobody_subscribes_to_costs_no_query(sam, django_assert_num_queries):
    customer = CustomerFactory(owner=sam)
    EndpointFactory(events=[Event.COMPLAINT_OPENED])
    emit("customer.updated", customer)  # reads which events have subscribers, once

    with django_assert_num_queries(0):
        emit("customer.updated", customer)
        emit("interaction.logged", customer)


def test_with_no_endpoint_at_all_an_event_costs_at_most_one_query_every_few_seconds(
    sam, django_assert_max_num_queries
):
    customer = CustomerFactory(owner=sam)
    forget_subscriptions()

    with django_assert_max_num_queries(1):
        for _ in range(100):
            emit("customer.updated", customer)


def test_a_new_endpoint_is_heard_at_once_in_the_process_that_saved_it(receiver, sam):
    customer = CustomerFactory(owner=sam)
    emit("customer.updated", customer)  # nobody subscribes yet: remembered as such

    EndpointFactory(url=receiver.url, events=[Event.CUSTOMER_UPDATED])
    emit("customer.updated", customer)

    assert WebhookDelivery.objects.filter(event="customer.updated").count() == 1


# Planning: once per item and due date ---------------------------------------------------------


def test_planning_posts_a_check_in_falling_due_once_however_often_it_runs(receiver, endpoint, sam):
    customer = due_customer(sam, "Quiet Quentin", days_from_today(0))

    plan_reminders()
    plan_reminders()
    send_all()

    (request,) = receiver.requests
    assert request.json["event"] == "checkin.overdue"
    assert request.event_id == f"checkin.overdue:{customer.pk}:{days_from_today(0)}"
    assert request.json["data"]["id"] == customer.pk


def test_planning_posts_a_follow_up_due_today_then_overdue_tomorrow_once_each(
    receiver, endpoint, sam
):
    follow_up = FollowUpFactory(assignee=sam, summary="Send the quote")
    today = timezone.localdate()

    plan_reminders()
    plan_reminders()
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    plan_reminders(tomorrow)
    plan_reminders(tomorrow + datetime.timedelta(hours=1))
    send_all()

    assert sorted(request.event_id for request in receiver.requests) == [
        f"follow_up.due:{follow_up.pk}:{today}",
        f"follow_up.overdue:{follow_up.pk}:{today}",
    ]
    assert {request.json["data"]["summary"] for request in receiver.requests} == {"Send the quote"}


def test_a_follow_up_done_in_time_is_never_overdue(receiver, endpoint, sam):
    FollowUpFactory(assignee=sam, done_at=timezone.now())

    plan_reminders(timezone.now() + datetime.timedelta(days=1))
    send_all()

    assert receiver.events() == []


def test_a_breached_complaint_target_posts_complaint_breached_once(
    receiver, endpoint, sam, managers
):
    complaint = ComplaintFactory(
        assignee=sam, opened_at=timezone.now() - datetime.timedelta(hours=30)
    )

    plan_reminders()
    plan_reminders()
    send_all()

    (request,) = [r for r in receiver.requests if r.json["event"] == "complaint.breached"]
    assert request.json["data"]["id"] == complaint.pk
    assert request.json["data"]["target_status"] == "breached"
    assert request.event_id.startswith(f"complaint.breached:{complaint.pk}:respond:")
