"""Cross-site request forgery: with the check enforced, as a browser meets it, a POST without the
form's token is refused on every URL pattern of the project, public ones included, and changes
nothing; the same POSTs with the token taken from the form page go through.

The check runs in middleware before any view, so every pattern is posted to, including those
whose view would answer a POST with 405: a view added later is covered without listing it.
"""

import logging
import re

import pytest
from django.core import mail
from django.db import connection
from django.urls import get_resolver

from customers.models import Customer
from interactions.models import Complaint
from voice.models import FeedbackSubmission

from .world import (
    PATTERNS,
    WriteRecorder,
    path_for,
    post_body,
)

pytestmark = pytest.mark.django_db

# Views that skip the check on purpose, and why. Adding one means adding it here.
EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST to the link in the List-Unsubscribe
    # header with no cookie, so no token; the signed token in the URL is the authority, and the
    # most a forged POST can do is what the link already does, for the one customer it names.
    "unsubscribe",
    # The API: a request is let in by the token in its Authorization header, which a browser
    # never adds by itself, so a forged cross-site POST carries none and is refused (401);
    # cookies do not open it (tests/api). Unknown paths under /api/ answer 404 to any method.
    *(
        f"api:{name}"
        for name in (
            "customers",
            "customer",
            "customer-archive",
            "customer-interactions",
            "customer-follow-ups",
            "complaints",
            "complaint",
            "complaint-transition",
            "complaint-remedy",
            "follow-ups",
            "follow-up-done",
            "reminders",
            "figures",
            "missing",
        )
    ),
}
CHECKED = [p for p in PATTERNS if p.key not in EXEMPT]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def token_from(response) -> str:
    assert response.status_code == 200, response.status_code
    return TOKEN.search(response.content.decode()).group(1)


def path_to_post(pattern, world, client) -> str:
    path = path_for(pattern, world)
    if pattern.key == "password_reset_confirm":
        # The emailed link moves its token into the session and redirects to the form that
        # sets the password: that form is what a forger would post to.
        return client.get(path)["Location"]
    return path


@pytest.mark.parametrize("role", ["anonymous", "manager"])
@pytest.mark.parametrize("pattern", CHECKED, ids=lambda p: p.key)
def test_a_post_without_the_token_is_refused_and_changes_nothing(world, pattern, role, caplog):
    # The manager may use every page, so no refusal below comes from permissions.
    client = world.client_for(role, enforce_csrf_checks=True)
    path = path_to_post(pattern, world, client)
    writes = WriteRecorder(ignored=())

    with connection.execute_wrapper(writes), caplog.at_level(logging.WARNING):
        response = client.post(path, post_body(pattern, world))

    assert response.status_code == 403, f"POST {path} as {role}"
    assert "django.security.csrf" in {r.name for r in caplog.records}, caplog.text
    # Not even a session row: a logout or a login would have written one.
    assert writes.tables == [], f"POST {path} as {role} wrote to {writes.tables}"
    assert mail.outbox == []


def test_only_the_listed_views_skip_the_check():
    # The same attribute CsrfViewMiddleware reads.
    exempt = {p.key for p in PATTERNS if getattr(p.pattern.callback, "csrf_exempt", False)}

    assert exempt == EXEMPT
    assert get_resolver().resolve("/unsubscribe/x/").url_name == "unsubscribe"


def test_staff_adds_a_customer_with_the_token_from_the_form(world):
    client = world.client_for("staff", enforce_csrf_checks=True)
    token = token_from(client.get("/customers/new/"))
    body = post_body(next(p for p in PATTERNS if p.key == "customers:create"), world)

    response = client.post("/customers/new/", {**body, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Customer.objects.get(email="grace@example.com").owner == world.staff


def test_the_assignee_moves_a_case_on_with_the_token_from_the_case_page(world):
    client = world.client_for("staff", enforce_csrf_checks=True)
    page = f"/complaints/{world.complaint.pk}/"
    token = token_from(client.get(page))

    response = client.post(
        f"{page}transition/", {"to_status": "acknowledged", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    world.complaint.refresh_from_db()
    assert world.complaint.status == Complaint.Status.ACKNOWLEDGED


def test_a_visitor_sends_feedback_with_the_token_from_the_public_form(world):
    client = world.client_for("anonymous", enforce_csrf_checks=True)
    token = token_from(client.get("/feedback/"))
    body = post_body(next(p for p in PATTERNS if p.key == "voice:feedback"), world)

    response = client.post("/feedback/", {**body, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "/feedback/thanks/"
    assert FeedbackSubmission.objects.filter(email="fay@example.com").exists()


def test_a_made_up_token_is_refused_though_the_cookie_is_real(world):
    client = world.client_for("staff", enforce_csrf_checks=True)
    real = token_from(client.get("/customers/new/"))
    forged = "A" * len(real)
    body = post_body(next(p for p in PATTERNS if p.key == "customers:create"), world)

    response = client.post("/customers/new/", {**body, "csrfmiddlewaretoken": forged})

    assert response.status_code == 403
    assert not Customer.objects.filter(email="grace@example.com").exists()
