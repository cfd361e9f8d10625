"""Every page but the public ones sends an anonymous visitor to the login page."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    "healthz",
    "unsubscribe",
    "marketing-consent",
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "voice:feedback",
    "voice:feedback-thanks",
    "voice:survey",
    "voice:case",
    "voice:case-seen",
    "voice:case-message",
    "voice:case-remedy",
    "voice:case-fixed",
    "voice:case-survey",
    "calendars:ics",
}
# Reached by a link's token: a made-up one is not found, never a detour through the login page.
BY_TOKEN = {"unsubscribe", "marketing-consent", "voice:survey", "calendars:ics"} | {
    name for name in PUBLIC if name.startswith("voice:case")
}
SAMPLE_ARGS = {
    "pk": "1",
    "customer_pk": "1",
    "user_id": "1",
    "uidb64": "MQ",
    "token": "set-password",
    "delivery_pk": "1",
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # the admin has its own login page; tested below
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def _concrete(route):
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_ARGS[m.group(1)], route)
    return "/" + path.lstrip("^").rstrip("$")


PAGES = sorted(set(_walk(get_resolver().url_patterns)))
# The REST API answers for itself: a request without a token gets its 401, in JSON.
API = {name for name, route in PAGES if route.startswith(("api/v1/", "^api/"))}


def test_every_page_is_accounted_for():
    names = {name for name, _ in PAGES}
    assert {"my-day", "customers:list", "customers:detail", "healthz", "login"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), [p for p in PAGES if p[0] not in PUBLIC | API])
def test_anonymous_is_sent_to_login(client, name, route):
    path = _concrete(route)

    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 302, f"{name} {path}"
        assert response["Location"].startswith("/accounts/login/?next="), name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    sorted(PUBLIC - BY_TOKEN - {"password_reset_confirm"}),
)
def test_public_pages_answer_anonymous(client, name):
    route = dict(PAGES)[name]

    assert client.get(_concrete(route)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), [p for p in PAGES if p[0] in API])
def test_the_api_answers_anonymous_itself(client, name, route):
    path = _concrete(route)
    expected = 404 if name == "api:missing" else 401

    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == expected, f"{name} {path}"
        assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_unsubscribe_answers_anonymous_without_a_login(client):
    # A made-up token: not found, but never a detour through the login page.
    assert client.get("/unsubscribe/not-a-real-token/").status_code == 404
    assert client.get("/survey/not-a-real-token/").status_code == 404
    assert client.get("/consent/not-a-real-token/").status_code == 404
    assert client.get("/case/not-a-real-token/").status_code == 404
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    for action in ("seen", "message", "remedy", "fixed", "survey"):
        assert client.post(f"/case/not-a-real-token/{action}/").status_code == 404


@pytest.mark.django_db
def test_admin_sends_anonymous_to_its_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
