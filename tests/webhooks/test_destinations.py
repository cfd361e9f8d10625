"""Webhooks go to public addresses only: a URL into our own network is refused when it is saved
and again when it is posted to, and the POST goes to the address that was checked."""

import socket

import pytest

from webhooks import delivery, destinations
from webhooks.models import WebhookDelivery

from .factories import DeliveryFactory, EndpointFactory

pytestmark = pytest.mark.django_db

REFUSED_URLS = [
    "http://127.0.0.1/hooks",
    "http://127.1.2.3:8080/hooks",
    "https://10.0.0.5/hooks",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://[::1]/hooks",
    "http://[::ffff:127.0.0.1]/",
    "http://[fd00::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://224.0.0.1/",  # multicast
    "http://240.0.0.1/",  # reserved
    "http://localhost:8000/hooks",  # a name that resolves to loopback
    "http://2130706433/",  # 127.0.0.1 spelt as one number
]
NOT_HTTP = [
    "ftp://1.1.1.1/file",
    "file:///etc/passwd",
    "gopher://1.1.1.1/",
    "javascript:alert(1)",
    "data:text/plain,hello",
]


@pytest.fixture(autouse=True)
def _public_only(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_an_address_inside_a_private_network_is_refused(url):
    with pytest.raises(destinations.Refused, match="private network"):
        destinations.check(url)


@pytest.mark.parametrize("url", NOT_HTTP)
def test_only_http_and_https_are_posted_to(url):
    with pytest.raises(destinations.Refused):
        destinations.check(url)


def test_a_public_address_is_accepted():
    assert [str(a) for a in destinations.check("https://1.1.1.1/hooks")] == ["1.1.1.1"]


def test_a_name_with_any_private_address_is_refused_whole(monkeypatch):
    monkeypatch.setattr(destinations, "resolve", lambda host, port: ["93.184.215.14", "10.0.0.7"])

    with pytest.raises(destinations.Refused, match="10.0.0.7"):
        destinations.check("https://hooks.example.com/")


def test_a_name_that_does_not_resolve_is_refused_with_a_reason(monkeypatch):
    def unknown(host, port):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(destinations, "resolve", unknown)

    with pytest.raises(destinations.Refused, match="Could not find hooks.example.com"):
        destinations.check("https://hooks.example.com/")


def test_the_post_goes_to_the_checked_address_with_the_name_kept(monkeypatch):
    monkeypatch.setattr(destinations, "resolve", lambda host, port: ["1.1.1.1"])

    target = destinations.target("https://hooks.example.com:8443/rapport?x=1")

    assert str(target.url) == "https://1.1.1.1:8443/rapport?x=1"
    assert target.headers == {"Host": "hooks.example.com:8443"}
    assert target.extensions == {"sni_hostname": "hooks.example.com"}


def test_a_name_that_turns_private_after_it_was_saved_is_not_posted_to(receiver, monkeypatch):
    # Saved while it resolved publicly; now it resolves to this machine (DNS rebinding).
    sent = DeliveryFactory(endpoint=EndpointFactory(url=f"http://rebound.example:{receiver.port}/"))
    monkeypatch.setattr(destinations, "resolve", lambda host, port: ["127.0.0.1"])

    assert delivery.deliveries_send([sent.pk]) == 0

    assert receiver.requests == []
    sent.refresh_from_db()
    assert sent.state == WebhookDelivery.State.FAILED
    assert sent.last_error.startswith("Refused:")
    assert "private network" in sent.last_error


def test_the_checked_address_is_the_one_connected_to(receiver, monkeypatch):
    # Treat this machine as public to watch where the POST lands: the name resolves once, to
    # the address checked, and the receiver sees the name in Host.
    monkeypatch.setattr(destinations, "is_public", lambda address: True)
    lookups = []

    def resolve(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(destinations, "resolve", resolve)
    sent = DeliveryFactory(endpoint=EndpointFactory(url=f"http://hooks.example:{receiver.port}/x"))

    assert delivery.deliveries_send([sent.pk]) == 1

    (request,) = receiver.requests
    assert request.path == "/x"
    assert request.headers["Host"] == f"hooks.example:{receiver.port}"
    assert lookups == ["hooks.example"]
