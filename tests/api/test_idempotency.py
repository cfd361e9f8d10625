"""Idempotency-Key: a POST retried (after a timeout, say) writes once and answers as the first
time, even when the retry arrives while the first is still running."""

import pytest
from django.db import connection

from api.idempotency import forget_old_keys
from api.models import IdempotentRequest
from customers.models import Customer
from interactions.models import Interaction
from tests.concurrency import at_once

from .conftest import api_client

JSON = "application/json"


def _log(client, customer, key, summary="Rang them"):
    return client.post(
        f"/api/v1/customers/{customer.pk}/interactions/",
        {"kind": "call", "channel": "phone", "summary": summary},
        content_type=JSON,
        headers={"Idempotency-Key": key},
    )


@pytest.mark.django_db
def test_a_retry_with_the_same_key_writes_once_and_gets_the_first_answer(staff_api, own_customer):
    first = _log(staff_api, own_customer, "retry-1")
    again = _log(staff_api, own_customer, "retry-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Interaction.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_refused(staff_api, own_customer):
    _log(staff_api, own_customer, "k")
    other = _log(staff_api, own_customer, "k", summary="Something else")

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Interaction.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_each_users_own(staff_api, other_api, own_customer):
    assert _log(staff_api, own_customer, "shared").status_code == 201
    assert _log(other_api, own_customer, "shared").status_code == 201
    assert Interaction.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_request_leaves_its_key_free(staff_api, own_customer):
    bad = staff_api.post(
        "/api/v1/customers/", {"name": ""}, content_type=JSON, headers={"Idempotency-Key": "k2"}
    )
    good = staff_api.post(
        "/api/v1/customers/", {"name": ""}, content_type=JSON, headers={"Idempotency-Key": "k2"}
    )
    assert bad.status_code == good.status_code == 400
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "a\x7fb"])
def test_a_key_that_cannot_be_one_is_refused(staff_api, own_customer, key):
    response = _log(staff_api, own_customer, key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]
    assert not Interaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_copies_at_once_create_one_customer(staff_user):
    api = api_client(staff_user)

    def create():
        return api.post(
            "/api/v1/customers/",
            {"name": "Mei Chen", "email": "mei@example.com"},
            content_type=JSON,
            headers={"Idempotency-Key": "5f0c1a3e-retry"},
        )

    first, second = at_once(create)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Customer.objects.count() == 1
    connection.close()


@pytest.mark.django_db
def test_old_keys_are_forgotten(settings, staff_api, own_customer):
    _log(staff_api, own_customer, "old")
    IdempotentRequest.objects.update(created_at="2000-01-01T00:00Z")
    assert forget_old_keys() == 1
    assert _log(staff_api, own_customer, "old").status_code == 201
    assert Interaction.objects.count() == 2
