"""The unsubscribe link in every customer email: no login, asks first, one-click POST works;
from a marketing email it stops news and offers only, unless the customer chooses all email."""

import time

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.emails import customer_email
from customers.models import Customer
from customers.unsubscribe import (
    ALL,
    MARKETING,
    SALT,
    unsubscribe_headers,
    unsubscribe_token,
    unsubscribe_url,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def customer():
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com")


def _path(customer):
    return reverse("unsubscribe", args=[unsubscribe_token(customer)])


def test_the_link_asks_before_it_opts_anyone_out(client, customer):
    response = client.get(_path(customer))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Stop emails to ada@example.com?" in content
    assert 'method="post"' in content
    assert "csrfmiddlewaretoken" in content
    customer.refresh_from_db()
    assert customer.email_opt_out is False


def test_confirming_opts_the_customer_out(customer):
    client = Client(enforce_csrf_checks=True)
    page = client.get(_path(customer))
    token = page.context["csrf_token"]

    response = client.post(_path(customer), {"csrfmiddlewaretoken": str(token)})

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email_opt_out is True
    assert customer.history.first().history_change_reason == "Unsubscribed through an email link"


def test_a_mail_clients_one_click_post_works_without_a_csrf_token(customer):
    """RFC 8058: the client POSTs List-Unsubscribe=One-Click to the header's address."""
    url = unsubscribe_headers(customer)["List-Unsubscribe"].strip("<>")
    assert url == unsubscribe_url(customer)

    response = Client(enforce_csrf_checks=True).post(
        _path(customer),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.email_opt_out is True


def test_unsubscribing_twice_is_harmless(client, customer):
    client.post(_path(customer))
    response = client.post(_path(customer))

    assert response.status_code == 200
    assert Customer.objects.get(pk=customer.pk).email_opt_out is True
    assert customer.history.count() == 2  # created, then opted out once


def test_a_logged_in_user_can_use_the_link_too(staff_client, customer):
    assert staff_client.get(_path(customer)).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["nonsense", "MQ:1tXyz:abc", "", "é", "a" * 300],
)
def test_a_bad_or_tampered_token_is_a_friendly_404(client, customer, token):
    good = unsubscribe_token(customer)
    path = f"/unsubscribe/{token or good[:-1] + 'x'}/"

    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email_opt_out is False


def test_a_token_for_another_purpose_is_refused(client, customer):
    from django.core import signing

    forged = signing.dumps(customer.pk)  # signed with the key, but not with the unsubscribe salt

    assert client.post(f"/unsubscribe/{forged}/").status_code == 404
    assert Customer.objects.get(pk=customer.pk).email_opt_out is False


def test_a_deleted_customers_link_is_a_404(client, customer):
    path = _path(customer)
    Customer.objects.filter(pk=customer.pk).delete()

    assert client.get(path).status_code == 404


def test_other_methods_are_refused(client, customer):
    assert client.put(_path(customer)).status_code == 405


def test_an_opted_out_customer_is_told_so_instead_of_asked_again(client):
    customer = CustomerFactory(email="quiet@example.com", email_opt_out=True)

    response = client.get(_path(customer))

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert 'method="post"' not in response.content.decode()


# Signed with this install's key, for a while ------------------------------------------------


def _token_made_days_ago(customer, days):
    class Backdated(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time() - days * 24 * 60 * 60))

    return Backdated(salt=SALT).sign_object(customer.pk)


def test_a_link_forged_with_the_development_key_once_shipped_in_the_source_is_refused(
    client, customer
):
    shipped = "django-" + "insecure-development-only-key"
    forged = signing.dumps(customer.pk, salt=SALT, key=shipped)

    for method in (client.get, client.post):
        response = method(f"/unsubscribe/{forged}/")
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).email_opt_out is False


def test_a_link_signed_with_another_key_is_refused_with_a_clear_page(client, customer):
    forged = signing.dumps(customer.pk, salt=SALT, key="another-installations-secret-key")

    response = client.post(f"/unsubscribe/{forged}/")

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).email_opt_out is False


def test_a_new_secret_key_retires_every_link(client, customer, settings):
    path = _path(customer)

    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-installation"

    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert Customer.objects.get(pk=customer.pk).email_opt_out is False


def test_an_expired_link_is_refused_with_a_page_that_says_what_to_do(client, customer, settings):
    assert settings.UNSUBSCRIBE_LINK_DAYS == 365
    token = _token_made_days_ago(customer, 366)

    for method in (client.get, client.post):
        response = method(f"/unsubscribe/{token}/")
        assert response.status_code == 410
        content = response.content.decode()
        assert "This link has expired" in content
        assert "ask us to stop writing to you" in content
        assert 'method="post"' not in content
    assert Customer.objects.get(pk=customer.pk).email_opt_out is False


def test_a_link_from_an_email_kept_for_months_still_works(client, customer):
    token = _token_made_days_ago(customer, 364)

    response = client.post(f"/unsubscribe/{token}/")

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).email_opt_out is True


# News and offers only -------------------------------------------------------------------------


@pytest.fixture
def fan():
    """A customer who agreed to news and offers."""
    return CustomerFactory(
        email="fan@example.com",
        marketing_consent_at=timezone.now(),
        marketing_consent_source=Customer.ConsentSource.PROFILE,
    )


def _marketing_path(customer):
    return _path(customer) + "?scope=marketing"


def test_a_marketing_emails_link_and_headers_say_so(fan):
    url = unsubscribe_url(fan, scope=MARKETING)

    assert url == unsubscribe_url(fan) + "?scope=marketing"
    assert unsubscribe_headers(fan, scope=MARKETING)["List-Unsubscribe"] == f"<{url}>"
    assert "?" not in unsubscribe_url(fan, scope=ALL)


def test_an_unknown_scope_is_a_programming_error(fan):
    with pytest.raises(ValueError):
        unsubscribe_url(fan, scope="everything")


def test_the_page_offers_news_only_or_all_email(client, fan):
    content = client.get(_path(fan)).content.decode()

    assert "Stop news and offers only" in content
    assert "Stop all email" in content
    assert 'name="stop" value="marketing"' in content and 'name="stop" value="all"' in content


def test_opening_either_link_changes_nothing(client, fan):
    for path in (_path(fan), _marketing_path(fan)):
        assert client.get(path).status_code == 200
    fan.refresh_from_db()
    assert fan.has_marketing_consent and not fan.email_opt_out
    assert fan.history.count() == 1


def test_choosing_news_only_withdraws_consent_and_keeps_service_email(fan):
    client = Client(enforce_csrf_checks=True)
    token = client.get(_path(fan)).context["csrf_token"]

    response = client.post(_path(fan), {"csrfmiddlewaretoken": str(token), "stop": "marketing"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "No more news and offers" in content
    assert "Stop all email" in content  # they may still go further
    fan.refresh_from_db()
    assert fan.marketing_consent_at is None and fan.marketing_consent_withdrawn_at is not None
    assert fan.email_opt_out is False
    assert fan.history.first().history_change_reason == "Marketing consent withdrawn"


def test_choosing_all_email_opts_out_as_before_even_from_a_marketing_link(client, fan):
    response = client.post(_marketing_path(fan), {"stop": "all"})

    assert "You are unsubscribed" in response.content.decode()
    fan.refresh_from_db()
    assert fan.email_opt_out is True
    assert fan.marketing_consent_at is not None  # the record stands; the opt-out wins


def test_a_one_click_from_a_marketing_email_stops_news_only(fan):
    url = unsubscribe_headers(fan, scope=MARKETING)["List-Unsubscribe"].strip("<>")
    path = url.removeprefix(settings.SITE_URL)
    assert path == _marketing_path(fan)

    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    fan.refresh_from_db()
    assert fan.marketing_consent_at is None and fan.marketing_consent_withdrawn_at is not None
    assert fan.email_opt_out is False


def test_a_one_click_from_any_other_email_still_stops_all_email(fan):
    response = Client(enforce_csrf_checks=True).post(
        _path(fan), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    fan.refresh_from_db()
    assert fan.email_opt_out is True


@pytest.mark.parametrize("scope", ["everything", "MARKETING", "", "marketing,all"])
def test_an_unknown_scope_in_a_link_stops_all_email(client, fan, scope):
    client.post(
        _path(fan) + f"?scope={scope}", "List-Unsubscribe=One-Click", content_type="text/plain"
    )

    fan.refresh_from_db()
    assert fan.email_opt_out is True


def test_an_unknown_choice_falls_back_to_the_links_scope(client, fan):
    client.post(_marketing_path(fan), {"stop": "nothing"})

    fan.refresh_from_db()
    assert fan.marketing_consent_at is None and fan.email_opt_out is False


def test_stopping_news_twice_changes_nothing_more(client, fan):
    client.post(_marketing_path(fan))
    fan.refresh_from_db()
    withdrawn, history = fan.marketing_consent_withdrawn_at, fan.history.count()

    response = client.post(_marketing_path(fan))

    assert "No more news and offers" in response.content.decode()
    fan.refresh_from_db()
    assert fan.marketing_consent_withdrawn_at == withdrawn
    assert fan.history.count() == history


def test_stopping_news_when_never_asked_records_the_no(client, customer):
    client.post(_path(customer), {"stop": "marketing"})

    customer.refresh_from_db()
    assert customer.marketing_consent_withdrawn_at is not None
    assert customer.email_opt_out is False


def test_an_expired_or_bad_marketing_link_changes_nothing(client, fan):
    for path, status in (
        (f"/unsubscribe/{_token_made_days_ago(fan, 366)}/?scope=marketing", 410),
        ("/unsubscribe/nonsense/?scope=marketing", 404),
    ):
        assert client.post(path, {"stop": "marketing"}).status_code == status
    fan.refresh_from_db()
    assert fan.has_marketing_consent


# The emails that carry the link ---------------------------------------------------------------


def test_a_marketing_email_goes_only_to_a_customer_who_agreed(fan, customer):
    assert customer_email("survey", customer, {}, about=customer, scope=MARKETING) is None
    assert (
        customer_email("survey", None, {}, about=fan, to="x@example.com", scope=MARKETING) is None
    )

    email = customer_email("survey", fan, {}, about=fan, scope=MARKETING)

    assert email.headers["List-Unsubscribe"] == f"<{unsubscribe_url(fan, scope=MARKETING)}>"
    assert unsubscribe_url(fan, scope=MARKETING) in email.body_text


def test_a_marketing_email_honours_the_opt_out_and_a_bounce(fan):
    Customer.objects.filter(pk=fan.pk).update(email_opt_out=True)
    fan.refresh_from_db()
    assert customer_email("survey", fan, {}, about=fan, scope=MARKETING) is None

    fan.email_opt_out, fan.email_bouncing_since = False, timezone.now()
    assert customer_email("survey", fan, {}, about=fan, scope=MARKETING) is None


def test_a_service_email_still_goes_to_someone_who_stopped_news(client, fan):
    client.post(_marketing_path(fan))
    fan.refresh_from_db()

    email = customer_email("survey", fan, {}, about=fan)

    assert email is not None
    assert email.headers["List-Unsubscribe"] == f"<{unsubscribe_url(fan)}>"
