import re

import pytest
from django.core import mail

from tests.factories import PASSWORD
from tests.outbox import send_queued


@pytest.mark.django_db
def test_login_page_renders_the_form(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_staff_logs_in_and_lands_on_my_day(client, staff_user):
    response = client.post(
        "/accounts/login/", {"username": "sam", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/"
    assert b"My day" in response.content
    assert b"Good day, Sam" in response.content


def test_wrong_password_shows_a_message_and_keeps_the_username(client, staff_user):
    response = client.post("/accounts/login/", {"username": "sam", "password": "nope"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert b'value="sam"' in response.content


def test_logout_is_a_post_and_ends_the_session(staff_client):
    assert staff_client.get("/accounts/logout/").status_code == 405

    response = staff_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert staff_client.get("/").status_code == 302


def test_password_change(staff_client, staff_user):
    response = staff_client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )

    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.check_password("a-new-long-passphrase")


def test_password_change_refuses_a_weak_password(staff_client, staff_user):
    response = staff_client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )

    assert response.status_code == 200
    assert b"too short" in response.content
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)


def test_password_reset_by_email(client, staff_user):
    response = client.post("/accounts/password_reset/", {"email": "sam@example.com"})
    assert response.status_code == 302

    send_queued()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your Rapport password"
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "reset-to-something-long", "new_password2": "reset-to-something-long"},
    )
    assert done.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.check_password("reset-to-something-long")


@pytest.mark.django_db
def test_password_reset_for_unknown_address_says_nothing_more(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    send_queued()
    assert mail.outbox == []
