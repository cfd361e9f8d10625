"""The link that confirms consent to marketing email (double opt-in): no login, asks first,
records on a CSRF-protected POST, once; a bad, foreign or old link gets a page, never a 500."""

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from customers import services
from customers.consent import CONSENT_LINK_DAYS, SALT, consent_token, consent_url
from customers.models import Customer
from customers.unsubscribe import unsubscribe_token
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com")


def _path(customer):
    return reverse("marketing-consent", args=[consent_token(customer)])


def _consent(customer):
    customer.refresh_from_db()
    return customer.marketing_consent_at, customer.marketing_consent_source


def _confirm(client, path):
    """Open the page and press its button, as a person does: with the page's CSRF token."""
    token = client.get(path).context["csrf_token"]
    return client.post(path, {"csrfmiddlewaretoken": str(token)})


def test_the_link_is_the_sites_own_and_names_no_address(customer, settings):
    url = consent_url(customer)

    assert url.startswith(settings.SITE_URL + "/consent/")
    assert "ada" not in url.lower()


def test_the_page_asks_before_it_records_anything(client, customer):
    response = client.get(_path(customer))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Send you news and offers?" in content
    assert "ada@example.com" in content
    assert 'method="post"' in content and "csrfmiddlewaretoken" in content
    assert response["X-Robots-Tag"] == "noindex"
    assert _consent(customer) == (None, "")
    assert customer.history.count() == 1


def test_confirming_records_consent_through_the_link(customer):
    client = Client(enforce_csrf_checks=True)

    response = _confirm(client, _path(customer))

    assert response.status_code == 200
    assert "You are signed up" in response.content.decode()
    at, source = _consent(customer)
    assert at is not None and source == Customer.ConsentSource.DOUBLE_OPT_IN
    assert customer.marketing_consent_by is None
    latest = customer.history.first()
    assert latest.history_change_reason == "Marketing consent recorded: Confirmed by email link"
    assert latest.history_user is None


def test_a_post_without_the_pages_csrf_token_is_refused(customer):
    response = Client(enforce_csrf_checks=True).post(_path(customer))

    assert response.status_code == 403
    assert _consent(customer) == (None, "")


def test_confirming_twice_changes_nothing(customer):
    client = Client(enforce_csrf_checks=True)
    _confirm(client, _path(customer))
    first = _consent(customer)
    history = customer.history.count()

    response = _confirm(client, _path(customer))

    assert response.status_code == 200
    assert "You are signed up" in response.content.decode()
    assert _consent(customer) == first
    assert customer.history.count() == history


def test_once_confirmed_the_page_says_so_instead_of_asking_again(client, customer):
    services.customer_consent_record(customer, source=Customer.ConsentSource.DOUBLE_OPT_IN)

    content = client.get(_path(customer)).content.decode()

    assert "You are signed up" in content
    assert 'method="post"' not in content


def test_a_customer_who_stopped_all_email_since_is_not_signed_up(client, customer):
    path = _path(customer)
    Customer.objects.filter(pk=customer.pk).update(email_opt_out=True)

    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 200
        content = response.content.decode()
        assert "You asked us for no email" in content
        assert 'method="post"' not in content
    assert _consent(customer) == (None, "")


def test_a_logged_in_user_can_use_the_link_too(staff_client, customer):
    assert staff_client.get(_path(customer)).status_code == 200


def test_other_methods_are_refused(client, customer):
    assert client.put(_path(customer)).status_code == 405
    assert client.delete(_path(customer)).status_code == 405


# Bad links -----------------------------------------------------------------------------------


def _assert_refused(client, path, status, words):
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == status
        content = response.content.decode()
        assert words in content
        assert 'method="post"' not in content
        assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("token", ["nonsense", "MQ:1tXyz:abc", "é", "١٢٣", "a" * 300, "tampered"])
def test_a_bogus_or_tampered_token_is_a_clear_404(client, customer, token):
    if token == "tampered":
        good = consent_token(customer)
        token = good[:-1] + ("x" if good[-1] != "x" else "y")

    _assert_refused(client, f"/consent/{token}/", 404, "This link does not work")
    assert _consent(customer) == (None, "")


def test_an_unsubscribe_link_cannot_sign_anyone_up(client, customer):
    _assert_refused(client, f"/consent/{unsubscribe_token(customer)}/", 404, "does not work")
    assert _consent(customer) == (None, "")


def test_a_link_signed_with_another_key_is_refused(client, customer):
    forged = signing.dumps([customer.pk, "x"], salt=SALT, key="another-installations-key")

    _assert_refused(client, f"/consent/{forged}/", 404, "This link does not work")


def test_a_well_signed_token_of_the_wrong_shape_is_a_404_not_a_500(client, customer):
    for payload in (customer.pk, [customer.pk], ["x", "y"], {"a": 1}, None):
        token = signing.dumps(payload, salt=SALT)
        _assert_refused(client, f"/consent/{token}/", 404, "This link does not work")


def test_a_link_for_an_address_changed_since_confirms_nothing(client, customer):
    path = _path(customer)
    Customer.objects.filter(pk=customer.pk).update(email="ada@new.example")

    _assert_refused(client, path, 404, "your email address has changed")
    assert _consent(customer) == (None, "")


def test_a_deleted_customers_link_is_a_404(client, customer):
    path = _path(customer)
    Customer.objects.filter(pk=customer.pk).delete()

    assert client.get(path).status_code == 404


def test_a_new_secret_key_retires_every_link(client, customer, settings):
    path = _path(customer)
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-installation"

    _assert_refused(client, path, 404, "This link does not work")


def _token_made_days_ago(customer, days):
    class Backdated(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time() - days * 24 * 60 * 60))

    good = signing.loads(consent_token(customer), salt=SALT)
    return Backdated(salt=SALT).sign_object(good)


def test_an_expired_link_is_a_410_that_says_what_to_do(client, customer):
    assert CONSENT_LINK_DAYS == 30
    path = f"/consent/{_token_made_days_ago(customer, 31)}/"

    _assert_refused(client, path, 410, "This link has expired")
    assert "works for 30 days" in client.get(path).content.decode()
    assert _consent(customer) == (None, "")


def test_a_link_still_works_on_its_last_days(customer):
    client = Client(enforce_csrf_checks=True)

    _confirm(client, f"/consent/{_token_made_days_ago(customer, 29)}/")

    assert _consent(customer)[1] == Customer.ConsentSource.DOUBLE_OPT_IN


# Where it lives ------------------------------------------------------------------------------


def test_the_site_serves_the_consent_page_at_the_root(client, customer):
    assert reverse("marketing-consent", args=["x"]) == "/consent/x/"
    assert client.get(_path(customer)).status_code == 200
