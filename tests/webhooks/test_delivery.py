"""Delivering: claimed once however many workers try, retried with growing delays, given up,
and an endpoint that keeps failing disabled once, with one email to each manager."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core.models import OutgoingEmail
from core.outbox import queue as outbox_queue
from core.outbox.delivery import emails_send_due
from tests.concurrency import at_once
from tests.real_services import free_port
from webhooks import delivery, recording, services
from webhooks.disabling import endpoint_disable
from webhooks.models import WebhookDelivery, WebhookEndpoint

from .factories import DeliveryFactory, EndpointFactory
from .receiver import verify

pytestmark = pytest.mark.django_db
State = WebhookDelivery.State


def _due_now() -> None:
    """Move every retry's time to now, instead of waiting for it."""
    WebhookDelivery.objects.filter(state=State.FAILED).update(next_attempt_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_run_twice_and_at_once_a_delivery_is_posted_once(receiver, monkeypatch):
    monkeypatch.setattr(recording, "enqueue", lambda *args: None)
    sent = DeliveryFactory(endpoint=EndpointFactory(url=receiver.url))

    results = at_once(lambda: delivery.deliveries_send([sent.pk]), times=4)
    results += [delivery.deliveries_send([sent.pk]), delivery.deliveries_send_due()]

    assert sorted(results) == [0, 0, 0, 0, 0, 1]
    assert len(receiver.requests) == 1
    sent.refresh_from_db()
    assert (sent.state, sent.attempts) == (State.DELIVERED, 1)


def test_a_failing_receiver_is_tried_again_later_each_time_then_given_up(receiver):
    receiver.statuses = [500, 500, 500]
    endpoint = EndpointFactory(url=receiver.url)
    sent = DeliveryFactory(endpoint=endpoint)
    delays = []

    for _attempt in range(3):
        before = timezone.now()
        delivery.deliveries_send_due()
        sent.refresh_from_db()
        if sent.state == State.FAILED:
            delays.append(sent.next_attempt_at - before)
            assert delivery.deliveries_send_due() == 0  # not before its time
        _due_now()

    assert len(receiver.requests) == 3
    assert len({request.event_id for request in receiver.requests}) == 1
    # 60 s, then 120 s (WEBHOOK_RETRY_BASE_SECONDS = 60 in these tests), then no more.
    assert [round(delay.total_seconds() / 60) for delay in delays] == [1, 2]
    assert (sent.state, sent.attempts, sent.response_status) == (State.GIVEN_UP, 3, 500)
    assert sent.last_error == "HTTP 500: not a 2xx answer"
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1
    assert endpoint.enabled


def test_a_receiver_not_listening_is_tried_again_with_the_reason_kept(db):
    sent = DeliveryFactory(endpoint=EndpointFactory(url=f"http://127.0.0.1:{free_port()}/hooks"))

    assert delivery.deliveries_send_due() == 0

    sent.refresh_from_db()
    assert sent.state == State.FAILED
    assert sent.response_status is None
    assert sent.last_error.startswith("ConnectError")


def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver):
    receiver.statuses = [302]
    sent = DeliveryFactory(endpoint=EndpointFactory(url=receiver.url))

    delivery.deliveries_send_due()

    sent.refresh_from_db()
    assert len(receiver.requests) == 1
    assert (sent.state, sent.response_status) == (State.FAILED, 302)
    assert "redirect" in sent.last_error


def test_an_endpoint_failing_delivery_after_delivery_is_disabled_once_and_managers_told_once(
    managers,
):
    url = f"http://127.0.0.1:{free_port()}/hooks"
    endpoint = EndpointFactory(url=url)
    first, second, third = (DeliveryFactory(endpoint=endpoint) for _ in range(3))

    for _round in range(3):  # WEBHOOK_MAX_ATTEMPTS
        delivery.deliveries_send_due()
        _due_now()

    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_at is not None
    assert endpoint.consecutive_failures == 2  # WEBHOOK_DISABLE_AFTER_FAILURES
    assert "2 deliveries in a row failed" in endpoint.disabled_reason
    states = WebhookDelivery.objects.filter(endpoint=endpoint).values_list("state", flat=True)
    assert list(states) == [State.GIVEN_UP] * 3
    notices = OutgoingEmail.objects.filter(kind="webhook-disabled")
    assert sorted(notices.values_list("to", flat=True)) == ["max@example.com", "mona@example.com"]
    assert {notice.about for notice in notices} == {endpoint}

    emails_send_due()
    for message in mail.outbox:
        assert url in message.body
        assert f"http://127.0.0.1:8000/settings/webhooks/{endpoint.pk}/" in message.body


@pytest.mark.django_db(transaction=True)
def test_disabling_at_once_from_several_workers_tells_the_managers_once(managers, monkeypatch):
    monkeypatch.setattr(outbox_queue, "enqueue", lambda *args: None)
    endpoint = EndpointFactory(consecutive_failures=5)

    results = at_once(lambda: endpoint_disable(endpoint.pk, reason="Failing", notify=True), times=3)

    assert sorted(results) == [False, False, True]
    assert OutgoingEmail.objects.filter(kind="webhook-disabled").count() == 2


def test_a_delivery_that_arrives_resets_the_count_of_failures(receiver):
    endpoint = EndpointFactory(url=receiver.url, consecutive_failures=1)
    DeliveryFactory(endpoint=endpoint)

    delivery.deliveries_send_due()

    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_nothing_is_posted_to_a_disabled_endpoint_even_if_queued(receiver):
    endpoint = EndpointFactory(url=receiver.url, enabled=False)
    sent = DeliveryFactory(endpoint=endpoint)

    assert delivery.deliveries_send([sent.pk]) == 0
    assert delivery.deliveries_due() == []
    assert receiver.requests == []


def test_enabling_again_sends_new_events_and_counts_failures_afresh(receiver, db):
    endpoint = EndpointFactory(url=receiver.url, enabled=False, consecutive_failures=2)

    assert services.endpoint_enable(endpoint)
    assert not services.endpoint_enable(endpoint)

    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert endpoint.consecutive_failures == 0
    assert endpoint.disabled_reason == ""


def test_replay_sends_the_same_payload_and_event_id_again(receiver):
    endpoint = EndpointFactory(url=receiver.url)
    sent = DeliveryFactory(endpoint=endpoint, event="complaint.opened")
    delivery.deliveries_send_due()
    sent.refresh_from_db()

    assert services.delivery_replay(sent)
    delivery.deliveries_send_due()

    first, again = receiver.requests
    assert again.event_id == first.event_id == sent.event_id
    assert again.body == first.body
    assert again.headers["Rapport-Delivery"] == first.headers["Rapport-Delivery"]
    assert verify(endpoint.secret, again.body, again.headers["Rapport-Signature"])
    sent.refresh_from_db()
    assert (sent.state, sent.attempts) == (State.DELIVERED, 1)


def test_a_delivery_being_sent_is_not_replayed(db):
    sent = DeliveryFactory(state=State.SENDING, claimed_at=timezone.now())

    assert not services.delivery_replay(sent)


def test_a_ping_is_delivered_like_any_event(receiver):
    endpoint = EndpointFactory(url=receiver.url, events=["complaint.opened"])

    services.endpoint_ping(endpoint)
    delivery.deliveries_send_due()

    (request,) = receiver.requests
    assert request.headers["Rapport-Event"] == "ping"
    assert request.json["data"]["id"] == endpoint.pk
    assert verify(endpoint.secret, request.body, request.headers["Rapport-Signature"])


def test_a_new_secret_signs_the_next_delivery(receiver):
    endpoint = EndpointFactory(url=receiver.url)
    old = endpoint.secret
    DeliveryFactory(endpoint=endpoint)

    services.endpoint_rotate_secret(endpoint)
    delivery.deliveries_send_due()

    (request,) = receiver.requests
    header = request.headers["Rapport-Signature"]
    assert endpoint.secret != old
    assert verify(endpoint.secret, request.body, header)
    assert not verify(old, request.body, header)


def test_a_delivery_whose_worker_died_is_sent_again_by_the_sweep(receiver):
    endpoint = EndpointFactory(url=receiver.url)
    long_ago = timezone.now() - delivery.STALE_AFTER - datetime.timedelta(seconds=1)
    stranded = DeliveryFactory(
        endpoint=endpoint, state=State.SENDING, claimed_at=long_ago, attempts=1
    )
    last = DeliveryFactory(endpoint=endpoint, state=State.SENDING, claimed_at=long_ago, attempts=3)
    recent = DeliveryFactory(endpoint=endpoint, state=State.SENDING, claimed_at=timezone.now())

    delivery.deliveries_send_due()

    assert [request.event_id for request in receiver.requests] == [stranded.event_id]
    states = dict(WebhookDelivery.objects.values_list("pk", "state"))
    assert states == {
        stranded.pk: State.DELIVERED,
        last.pk: State.GIVEN_UP,
        recent.pk: State.SENDING,
    }


def test_old_finished_deliveries_are_forgotten_and_waiting_ones_kept(settings, db):
    settings.WEBHOOK_KEEP_DAYS = 30
    old = timezone.now() - datetime.timedelta(days=31)
    endpoint = EndpointFactory()
    DeliveryFactory(endpoint=endpoint, state=State.DELIVERED, created_at=old)
    DeliveryFactory(endpoint=endpoint, state=State.GIVEN_UP, created_at=old)
    waiting = DeliveryFactory(endpoint=endpoint, state=State.FAILED, created_at=old)
    recent = DeliveryFactory(endpoint=endpoint, state=State.DELIVERED)

    assert delivery.deliveries_forget_old() == 2

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}


def test_deleting_an_endpoint_deletes_its_log(db):
    endpoint = EndpointFactory()
    DeliveryFactory(endpoint=endpoint)

    services.endpoint_delete(endpoint)

    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
