"""Personal tokens: made on the account page and shown once, refused the moment they are
revoked, read-only when made so, and nothing else gets in."""

import pytest
from django.test import Client

from api.models import ApiToken
from api.tokens import token_create
from core.tokens import token_hash
from tests.factories import CustomerFactory

from .conftest import api_client

pytestmark = pytest.mark.django_db


def test_a_token_made_on_the_page_is_shown_once_and_stored_hashed(staff_client, staff_user):
    response = staff_client.post("/accounts/tokens/", {"name": "Booking system", "scope": "write"})

    assert response.status_code == 200
    raw = response.context["created"]
    assert raw.startswith("rap_") and raw in response.content.decode()
    token = ApiToken.objects.get(user=staff_user)
    assert token.token_hash == token_hash(raw) and raw not in token.token_hash
    assert (token.name, token.scope) == ("Booking system", "write")
    # The list shows its beginning only, never the whole token again.
    page = staff_client.get("/accounts/tokens/").content.decode()
    assert token.prefix in page and raw not in page


def test_the_token_calls_the_api_as_its_owner(staff_user, own_customer):
    _token, raw = token_create(user=staff_user, name="t", scope="read")
    response = Client().get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Ada Lovelace"]
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_is_refused_at_once(staff_client, staff_user):
    token, raw = token_create(user=staff_user, name="t", scope="read")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/customers/").status_code == 200

    response = staff_client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    refused = api.get("/api/v1/customers/")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert refused.json()["code"] == "authentication_failed"


def test_a_manager_revokes_anyones_token_and_staff_only_their_own(
    manager_client, other_staff_client, staff_user
):
    token, _raw = token_create(user=staff_user, name="t", scope="read")

    assert other_staff_client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None

    assert manager_client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_read_only_token_cannot_write(staff_user):
    api = api_client(staff_user, scope="read")

    response = api.post("/api/v1/customers/", {"name": "Grace"}, content_type="application/json")

    assert response.status_code == 403
    assert "only read" in response.json()["detail"]


def test_the_token_of_someone_deactivated_is_refused(staff_user):
    api = api_client(staff_user)
    staff_user.is_active = False
    staff_user.save()

    assert api.get("/api/v1/customers/").status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer a b",
        "Bearer rap_" + "x" * 5000,
        "Bearer rap_١٢٣",
        "Bearer rap_\x00",
        "Basic dXNlcjpwYXNz",
        "Token rap_abc",
    ],
    ids=["none", "no-token", "two-parts", "huge", "unicode", "nul", "basic", "other-keyword"],
)
def test_anything_but_a_live_token_is_refused_with_401(db, header):
    CustomerFactory()
    response = Client().get("/api/v1/customers/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}


def test_a_session_does_not_open_the_api(staff_client):
    # The API takes tokens only: a signed-in browser tab cannot be made to call it (no CSRF).
    assert staff_client.get("/api/v1/customers/").status_code == 401


def test_the_token_form_refuses_what_it_cannot_use(staff_client):
    for data in (
        {"name": "", "scope": "read"},
        {"name": "   ", "scope": "read"},
        {"name": "x" * 101, "scope": "read"},
        {"name": "ok", "scope": "admin"},
        {"name": "\x00", "scope": "read"},
    ):
        response = staff_client.post("/accounts/tokens/", data)
        assert response.status_code == 200
        assert response.context["created"] is None
    assert not ApiToken.objects.exists()


def test_the_throttle_answers_429_with_retry_after(settings, staff_user):
    settings.API_REQUESTS_PER_MINUTE = 3
    api = api_client(staff_user)

    codes = [api.get("/api/v1/reminders/").status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    refused = api.get("/api/v1/reminders/")
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["code"] == "throttled"
