"""Password reset emails are limited per account and per client address, and the page a
visitor sees never changes: it tells no one whether an address has an account."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core.models import PasswordResetRequest
from tests.factories import UserFactory
from tests.outbox import send_queued

pytestmark = pytest.mark.django_db

RESET = "/accounts/password_reset/"
DONE = "/accounts/password_reset/done/"


def _ask(client, email, address="198.51.100.7"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_ten_requests_for_one_account_send_only_the_accounts_limit(client, staff_user, settings):
    assert settings.PASSWORD_RESET_ACCOUNT_LIMIT == 3

    responses = [_ask(client, "sam@example.com") for _ in range(10)]

    assert [(r.status_code, r["Location"]) for r in responses] == [(302, DONE)] * 10
    send_queued()
    assert len(mail.outbox) == 3
    assert {tuple(message.to) for message in mail.outbox} == {("sam@example.com",)}


def test_the_account_limit_holds_whatever_address_asks(client, staff_user):
    for n in range(10):
        _ask(client, "Sam@Example.com ", address=f"203.0.113.{n + 1}")

    send_queued()
    assert len(mail.outbox) == 3


def test_one_address_asking_for_many_accounts_is_throttled(client, settings):
    assert settings.PASSWORD_RESET_ADDRESS_LIMIT == 10
    users = [UserFactory(username=f"person{n}") for n in range(15)]

    for user in users:
        assert _ask(client, user.email, address="192.0.2.66")["Location"] == DONE

    send_queued()
    assert len(mail.outbox) == 10
    # Another address is not held back by that one.
    _ask(client, users[-1].email, address="192.0.2.67")
    send_queued()
    assert len(mail.outbox) == 11
    assert mail.outbox[-1].to == [users[-1].email]


def test_a_throttled_request_reads_the_same_as_one_that_sent_an_email(client, staff_user):
    sent = [_ask(client, "sam@example.com") for _ in range(3)]
    send_queued()
    assert len(mail.outbox) == 3

    throttled = _ask(client, "sam@example.com")
    unknown = _ask(client, "nobody@example.com")
    page = client.get(throttled["Location"])

    send_queued()
    assert len(mail.outbox) == 3
    for response in (*sent, throttled, unknown):
        assert (response.status_code, response["Location"]) == (302, DONE)
    assert page.status_code == 200


def test_the_limit_lifts_an_hour_later(client, staff_user):
    for _ in range(4):
        _ask(client, "sam@example.com")
    send_queued()
    assert len(mail.outbox) == 3

    PasswordResetRequest.objects.update(
        created_at=timezone.now() - datetime.timedelta(hours=1, seconds=5)
    )
    _ask(client, "sam@example.com")

    send_queued()
    assert len(mail.outbox) == 4
    # The hour-old rows are gone: the table holds only what still counts.
    assert PasswordResetRequest.objects.count() == 1


def test_the_counts_keep_nothing_readable(client, staff_user):
    _ask(client, "sam@example.com", address="198.51.100.7")

    row = PasswordResetRequest.objects.get()
    assert "sam" not in row.account_hash
    assert "198.51.100.7" not in row.client_hash
