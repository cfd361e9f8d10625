"""End to end: Redis, a real Celery worker and a real HTTP receiver. A customer added through the
service reaches the receiver, signed, once; a retry that beat's sweep finds due goes too."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.utils import timezone

from config.celery import app as celery_app
from customers.services import customer_create
from tests.factories import UserFactory
from tests.interactions.test_digest_delivery import TaskLog
from tests.real_services import private_queue
from webhooks.models import WebhookDelivery
from webhooks.tasks import send_due_webhooks

from .factories import EndpointFactory
from .receiver import verify

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _settled(timeout=30.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        states = list(WebhookDelivery.objects.values_list("state", flat=True))
        if all(state in ("delivered", "given_up", "failed") for state in states):
            return states
        assert time.monotonic() < deadline, states
        time.sleep(0.1)


def test_an_event_goes_through_the_worker_once_and_a_retry_through_the_sweep(receiver, monkeypatch):
    receiver.statuses = [200, 503]
    endpoint = EndpointFactory(url=receiver.url, events=["customer.created"])
    sam = UserFactory(username="sam")
    log = TaskLog()
    task_postrun.connect(log.record, weak=False)
    try:
        with (
            private_queue(monkeypatch) as queue,
            start_worker(
                celery_app,
                pool="threads",
                concurrency=2,
                perform_ping_check=False,
                shutdown_timeout=30,
                queues=[queue],
            ),
        ):
            ada = customer_create(name="Ada Lovelace", owner=sam)  # queued on commit
            (first,) = receiver.wait_for(1)
            log.wait_for("send_webhooks", 1)

            customer_create(name="Grace Hopper", owner=sam)
            receiver.wait_for(2)  # answered 503: tried again later
            log.wait_for("send_webhooks", 2)
            assert sorted(_settled()) == ["delivered", "failed"]
            WebhookDelivery.objects.filter(state="failed").update(next_attempt_at=timezone.now())
            send_due_webhooks.delay()  # as beat does every minute
            receiver.wait_for(3)
            log.wait_for("send_webhooks", 3)
            time.sleep(1)  # anything sent twice would arrive now
            assert sorted(_settled()) == ["delivered", "delivered"]
    finally:
        task_postrun.disconnect(log.record)

    assert len(receiver.requests) == 3
    assert first.json["data"]["id"] == ada.pk
    assert verify(endpoint.secret, first.body, first.headers["Rapport-Signature"])
    second, retry = receiver.requests[1:]
    assert second.event_id == retry.event_id
    assert second.json["data"]["name"] == "Grace Hopper"
