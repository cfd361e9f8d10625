"""The webhook pages: managers add, change, test, disable, enable and delete endpoints and
replay deliveries; staff get a 403, visitors the login page; bad input gets a reason, never a
500."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint

from .factories import DeliveryFactory, EndpointFactory

pytestmark = pytest.mark.django_db
State = WebhookDelivery.State
VALID = {
    "url": "https://1.1.1.1/rapport",
    "description": "Our billing tool",
    "events": ["customer.created", "complaint.opened"],
}


@pytest.fixture
def endpoint(manager_user):
    return EndpointFactory(created_by=manager_user, url="https://1.1.1.1/hooks")


def _urls(endpoint, delivery):
    return {
        "list": reverse("webhooks:list"),
        "detail": reverse("webhooks:detail", args=[endpoint.pk]),
        "edit": reverse("webhooks:edit", args=[endpoint.pk]),
        "rotate": reverse("webhooks:rotate-secret", args=[endpoint.pk]),
        "enable": reverse("webhooks:enable", args=[endpoint.pk]),
        "disable": reverse("webhooks:disable", args=[endpoint.pk]),
        "delete": reverse("webhooks:delete", args=[endpoint.pk]),
        "ping": reverse("webhooks:ping", args=[endpoint.pk]),
        "replay": reverse("webhooks:replay", args=[endpoint.pk, delivery.pk]),
    }


def test_staff_get_a_403_and_visitors_the_login_page_on_every_webhook_page(
    client, staff_client, endpoint
):
    for name, url in _urls(endpoint, DeliveryFactory(endpoint=endpoint)).items():
        for method in ("get", "post"):
            assert getattr(staff_client, method)(url).status_code == 403, (name, method)
            response = getattr(client, method)(url)
            assert response.status_code == 302, (name, method)
            assert response["Location"].startswith("/accounts/login/?next=")
    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert WebhookEndpoint.objects.count() == 1


def test_the_list_shows_each_endpoint_with_its_state_and_last_delivery(manager_client, endpoint):
    DeliveryFactory(endpoint=endpoint, state=State.GIVEN_UP, event="complaint.opened")
    EndpointFactory(url="https://8.8.8.8/other", enabled=False, disabled_at=timezone.now())

    page = manager_client.get("/settings/webhooks/").content.decode()

    assert "https://1.1.1.1/hooks" in page
    assert "complaint.opened · Given up" in page
    assert "Disabled" in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_list_costs_the_same_queries_however_many_endpoints(
    manager_client, django_assert_num_queries
):
    for n in range(12):
        DeliveryFactory(endpoint=EndpointFactory(url=f"https://1.1.1.{n + 1}/"))
    # session, user with the manager check, the endpoints with their last delivery
    with django_assert_num_queries(3):
        manager_client.get("/settings/webhooks/")


def test_a_manager_adds_an_endpoint_and_is_shown_its_secret_and_how_to_check_it(
    manager_client, manager_user
):
    response = manager_client.post("/settings/webhooks/", VALID)

    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/settings/webhooks/{endpoint.pk}/"
    assert endpoint.url == "https://1.1.1.1/rapport"
    assert endpoint.events == ["complaint.opened", "customer.created"]
    assert endpoint.created_by == manager_user
    assert endpoint.enabled
    assert endpoint.secret.startswith("whsec_")
    page = manager_client.get(response["Location"]).content.decode()
    assert endpoint.secret in page
    assert "<details open>" in page  # nothing sent yet: the secret is shown
    assert "Rapport-Signature" in page
    assert "hmac.compare_digest" in page
    assert "Endpoint added" in page


def test_an_address_without_a_scheme_is_taken_as_https(manager_client):
    manager_client.post("/settings/webhooks/", {**VALID, "url": "1.1.1.1/rapport"})

    assert WebhookEndpoint.objects.get().url == "https://1.1.1.1/rapport"


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:8000/hooks", "inside a private network"),
        ("http://169.254.169.254/latest/meta-data/", "inside a private network"),
        ("http://[::1]/hooks", "inside a private network"),
        ("http://localhost/hooks", "inside a private network"),
        ("http://10.1.2.3/", "inside a private network"),
        ("javascript:alert(1)", "Enter a valid URL"),
        ("ftp://1.1.1.1/", "Use an address starting with https://"),
        ("https://1.1.1.1/a\x00b", "Null characters are not allowed"),
        ("https://1.1.1.1/" + "a" * 5000, "at most 2000 characters"),
        ("https://bücher.invalid/hooks", "Could not find bücher.invalid"),
        ("", "This field is required"),
    ],
)
def test_a_url_that_cannot_be_posted_to_is_refused_with_the_reason(
    manager_client, settings, url, reason
):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    response = manager_client.post("/settings/webhooks/", {**VALID, "url": url})

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "events, reason",
    [
        ([], "Choose at least one event to send."),
        (["customer.deleted"], "Select a valid choice"),
        (["١٢"], "Select a valid choice"),
        (["customer.created\x00"], "Select a valid choice"),
    ],
)
def test_events_must_be_chosen_from_the_list(manager_client, events, reason):
    response = manager_client.post("/settings/webhooks/", {**VALID, "events": events})

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "description, reason",
    [("a\x00b", "Null characters are not allowed"), ("x" * 5000, "at most 200 characters")],
)
def test_a_bad_description_is_refused_with_the_reason(manager_client, description, reason):
    response = manager_client.post("/settings/webhooks/", {**VALID, "description": description})

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_what_a_manager_typed_is_shown_escaped(manager_client):
    manager_client.post(
        "/settings/webhooks/", {**VALID, "description": '<script>alert("x")</script>'}
    )
    endpoint = WebhookEndpoint.objects.get()

    for url in ("/settings/webhooks/", endpoint.get_absolute_url()):
        page = manager_client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page


def test_a_manager_changes_the_url_and_events(manager_client, endpoint):
    response = manager_client.post(
        f"/settings/webhooks/{endpoint.pk}/edit/",
        {"url": "https://8.8.8.8/new", "description": "", "events": ["interaction.logged"]},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == ("https://8.8.8.8/new", ["interaction.logged"])


def test_an_edit_refused_changes_nothing(manager_client, endpoint, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    response = manager_client.post(
        f"/settings/webhooks/{endpoint.pk}/edit/",
        {"url": "http://127.0.0.1/", "description": "", "events": ["interaction.logged"]},
    )

    assert response.status_code == 200
    assert "inside a private network" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://1.1.1.1/hooks"
    assert len(endpoint.events) == len(WebhookEndpoint.Event.values)


def test_a_new_secret_replaces_the_old(manager_client, endpoint):
    old = endpoint.secret

    response = manager_client.post(f"/settings/webhooks/{endpoint.pk}/rotate-secret/")

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret.startswith("whsec_")


def test_a_manager_disables_and_enables_an_endpoint(manager_client, endpoint, manager_user):
    DeliveryFactory(endpoint=endpoint, state=State.FAILED)

    manager_client.post(f"/settings/webhooks/{endpoint.pk}/disable/")
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == f"Disabled by {manager_user.get_full_name()}."
    assert WebhookDelivery.objects.get().state == State.GIVEN_UP
    page = manager_client.get(endpoint.get_absolute_url()).content.decode()
    assert "Enable again" in page

    manager_client.post(f"/settings/webhooks/{endpoint.pk}/enable/")
    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert endpoint.disabled_at is None


def test_deleting_asks_first_then_deletes(manager_client, endpoint):
    page = manager_client.get(f"/settings/webhooks/{endpoint.pk}/delete/").content.decode()
    assert "Delete this endpoint?" in page
    assert WebhookEndpoint.objects.exists()

    response = manager_client.post(f"/settings/webhooks/{endpoint.pk}/delete/")

    assert response["Location"] == "/settings/webhooks/"
    assert not WebhookEndpoint.objects.exists()


def test_send_a_test_event_queues_a_ping(manager_client, endpoint):
    response = manager_client.post(f"/settings/webhooks/{endpoint.pk}/ping/")

    assert response.status_code == 302
    ping = WebhookDelivery.objects.get()
    assert (ping.event, ping.state) == ("ping", State.QUEUED)
    assert ping.event_id.startswith("ping:")


def test_the_delivery_log_is_paginated_newest_first_with_a_replay_each(manager_client, endpoint):
    start = timezone.now() - datetime.timedelta(hours=1)
    deliveries = [
        DeliveryFactory(
            endpoint=endpoint,
            event_id=f"event-{n:02}",
            created_at=start + datetime.timedelta(minutes=n),
            state=State.GIVEN_UP,
            last_error="HTTP 500: not a 2xx answer",
            response_status=500,
        )
        for n in range(30)
    ]
    DeliveryFactory(event_id="someone-elses")

    first = manager_client.get(endpoint.get_absolute_url()).content.decode()
    second = manager_client.get(endpoint.get_absolute_url(), {"page": "2"}).content.decode()
    junk = manager_client.get(endpoint.get_absolute_url(), {"page": "١٢\x00"})

    assert first.index("event-29") < first.index("event-05")
    assert "event-04" not in first
    assert "event-04" in second and "event-00" in second
    assert "someone-elses" not in first + second
    assert first.count("/replay/") == 25
    assert f"/deliveries/{deliveries[29].pk}/replay/" in first
    assert "HTTP 500: not a 2xx answer" in first
    assert junk.status_code == 200


def test_replay_queues_the_delivery_again(manager_client, endpoint):
    sent = DeliveryFactory(endpoint=endpoint, state=State.GIVEN_UP, attempts=3)

    response = manager_client.post(f"/settings/webhooks/{endpoint.pk}/deliveries/{sent.pk}/replay/")

    assert response.status_code == 302
    sent.refresh_from_db()
    assert (sent.state, sent.attempts) == (State.QUEUED, 0)


def test_a_delivery_is_replayed_only_through_its_own_endpoint(manager_client, endpoint):
    elsewhere = DeliveryFactory(state=State.GIVEN_UP)

    response = manager_client.post(
        f"/settings/webhooks/{endpoint.pk}/deliveries/{elsewhere.pk}/replay/"
    )

    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.state == State.GIVEN_UP


@pytest.mark.parametrize(
    "path",
    [
        "/settings/webhooks/١٢/",
        "/settings/webhooks/１２/edit/",
        "/settings/webhooks/" + "9" * 40 + "/",
        "/settings/webhooks/" + "9" * 40 + "/ping/",
        "/settings/webhooks/999999/delete/",
        "/settings/webhooks/-1/",
        "/settings/webhooks/1/deliveries/" + "9" * 40 + "/replay/",
    ],
)
def test_a_bad_id_in_the_path_is_not_found(manager_client, endpoint, path):
    for method in (manager_client.get, manager_client.post):
        assert method(path).status_code in (404, 405)
    assert WebhookEndpoint.objects.count() == 1


def test_the_manager_group_alone_is_enough(client, endpoint):
    client.force_login(UserFactory(username="greta", role="Manager"))

    assert client.get("/settings/webhooks/").status_code == 200
    assert client.get(endpoint.get_absolute_url()).status_code == 200


def test_the_endpoint_page_costs_the_same_queries_however_long_its_log(
    manager_client, endpoint, django_assert_num_queries
):
    for _ in range(40):
        DeliveryFactory(endpoint=endpoint)
    # session, user with the manager check, the endpoint with who added it, the log's count,
    # its page
    with django_assert_num_queries(5):
        manager_client.get(endpoint.get_absolute_url())


def test_adding_takes_the_token_from_the_page_and_refuses_a_post_without_it(manager_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager_user)
    page = client.get("/settings/webhooks/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    refused = client.post("/settings/webhooks/", VALID)
    accepted = client.post("/settings/webhooks/", {**VALID, "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert WebhookEndpoint.objects.count() == 1
