"""What a signed-in person sees is kept out of shared caches and off the browser's disk."""

import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_a_signed_in_page_is_private_and_not_stored(staff_client):
    response = staff_client.get("/")

    assert response.status_code == 200
    assert _directives(response) == {"private", "no-store"}


@pytest.mark.parametrize("path", ["/customers/export.csv", "/customers/{pk}/history.csv"])
def test_csv_downloads_are_private_and_not_stored(manager_client, path):
    customer = CustomerFactory()

    response = manager_client.get(path.format(pk=customer.pk))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert _directives(response) == {"private", "no-store"}


def test_a_page_that_sets_its_own_caching_keeps_it(staff_client):
    # Django's login page is never_cache: max-age=0, no-cache, no-store, must-revalidate.
    response = staff_client.get("/accounts/login/")

    assert response.status_code == 200
    assert "max-age=0" in _directives(response)


def test_static_files_keep_their_own_caching_for_signed_in_people(staff_client):
    response = staff_client.get("/static/css/app.css")

    assert response.status_code == 200
    assert "no-store" not in _directives(response)
