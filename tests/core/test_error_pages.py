"""Refused, missing and broken pages say what happened in the product's own words."""

import pytest
from django.test import RequestFactory
from django.views import defaults

from tests.factories import CustomerFactory


@pytest.mark.django_db
def test_a_page_staff_may_not_open_is_a_branded_403_with_a_way_back(staff_client, other_staff_user):
    customer = CustomerFactory(owner=other_staff_user)

    response = staff_client.get(f"/customers/{customer.pk}/edit/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "You can't open this page" in page
    assert 'href="/customers/"' in page and 'href="/"' in page
    assert 'aria-label="Main"' in page  # in the layout, with the navigation


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/customers/999999/", "/no-such-page/"])
def test_a_missing_page_is_a_branded_404(staff_client, path):
    response = staff_client.get(path)

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is nothing here" in page
    assert 'href="/customers/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/customers/999999/", "/no-such-page/"])
def test_with_debug_on_a_missing_page_is_still_the_branded_404_made_for_a_phone(
    staff_client, settings, path
):
    settings.DEBUG = True

    response = staff_client.get(path)

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is nothing here" in page
    assert 'name="viewport" content="width=device-width' in page
    assert "URLconf" not in page  # not Django's technical page


def test_a_server_error_is_a_standalone_page_that_needs_no_database():
    # No database access is allowed in this test: a query would fail it.
    response = defaults.server_error(RequestFactory().get("/customers/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "vendor/bootstrap/bootstrap.min.css" in page


@pytest.mark.django_db
def test_a_public_page_names_the_business_without_pointing_customers_at_the_staff_login(client):
    page = client.get("/feedback/").content.decode()

    assert '<span class="navbar-brand fw-semibold">Rapport</span>' in page
    assert 'href="/accounts/login/"' not in page


@pytest.mark.django_db
def test_staff_pages_link_the_name_to_my_day(staff_client):
    page = staff_client.get("/customers/").content.decode()

    assert '<a class="navbar-brand fw-semibold" href="/">Rapport</a>' in page
