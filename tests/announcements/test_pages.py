"""The announcement pages: managers only, bad input answered with a message, never a 500."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from announcements.models import Announcement, Recipient
from tests.factories import CustomerFactory
from tests.outbox import send_queued

pytestmark = pytest.mark.django_db

COMPOSE = {
    "subject": "Now open on Saturdays",
    "body": "From 9 to 5.",
    "kind": "service",
    "wishes": "Saturday opening",
}


@pytest.fixture
def ada(db):
    return CustomerFactory(name="Ada <i>", unmet_wants="Please <b>open</b> on Saturdays")


def compose(client, **fields):
    return client.post("/announcements/new/", {**COMPOSE, **fields})


@pytest.mark.parametrize(
    "url", ["/announcements/", "/announcements/new/", "/announcements/1/", "/announcements/1/edit/"]
)
def test_staff_are_refused_and_visitors_sent_to_log_in(client, staff_client, url):
    assert staff_client.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("action", ["send", "test", "pause", "resume", "cancel", "wishes-met"])
def test_staff_cannot_act_on_an_announcement(staff_client, manager_user, action):
    announcement = Announcement.objects.create(subject="S", body="B", created_by=manager_user)

    assert staff_client.post(f"/announcements/{announcement.pk}/{action}/").status_code == 403
    assert Announcement.objects.get().state == "draft"


def test_a_manager_composes_and_sees_the_matched_wishes_escaped(manager_client, ada):
    response = compose(manager_client)

    announcement = Announcement.objects.get()
    assert response["Location"] == f"/announcements/{announcement.pk}/"
    page = manager_client.get(response["Location"]).content.decode()
    assert "Goes to 1 customer" in page
    assert "Ada &lt;i&gt;" in page and "Please &lt;b&gt;open&lt;/b&gt; on Saturdays" in page
    assert "<b>open</b>" not in page
    assert "As a customer gets it" in page and "[Test]" not in page


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"subject": ""}, "This field is required"),
        ({"subject": "x" * 151}, "at most 150"),
        ({"kind": "spam"}, "Select a valid choice"),
        ({"only_wishers": "on", "wishes": " "}, "Say which wishes to look for"),
        ({"contacted_within": "١٢"}, ""),  # Arabic-Indic digits are a number of days
        ({"contacted_within": "99999999999999999999"}, ""),
        ({"tag": "not-a-tag"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_answered_on_the_form(manager_client, fields, error):
    response = compose(manager_client, **fields)

    if error:
        assert response.status_code == 200
        assert error in response.content.decode()
        assert not Announcement.objects.exists()
    else:
        assert response.status_code in (200, 302)


def test_send_now_then_progress_and_results(manager_client, manager_user, ada):
    compose(manager_client)
    announcement = Announcement.objects.get()

    response = manager_client.post(f"/announcements/{announcement.pk}/send/", {"send_at": ""})

    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.state in ("sending", "sent")
    progress = manager_client.get(f"/announcements/{announcement.pk}/progress/").json()
    assert progress["total"] == 1
    page = manager_client.get(f"/announcements/{announcement.pk}/").content.decode()
    assert "Customers who asked for it" in page
    # Sent already: a second send changes nothing.
    manager_client.post(f"/announcements/{announcement.pk}/send/", {"send_at": ""})
    assert Recipient.objects.count() == 1


@pytest.mark.parametrize(
    "send_at",
    ["2001-01-01T10:00", "99999-01-01T10:00", "not a time", "2026-02-30T10:00"],
)
def test_a_bad_send_time_is_refused_with_a_message(manager_client, ada, send_at):
    compose(manager_client)
    announcement = Announcement.objects.get()

    response = manager_client.post(
        f"/announcements/{announcement.pk}/send/", {"send_at": send_at}, follow=True
    )

    assert response.status_code == 200
    assert Announcement.objects.get().state == "draft"
    assert b"alert-danger" in response.content


def test_a_scheduled_send_waits_for_its_time(manager_client, ada):
    compose(manager_client)
    announcement = Announcement.objects.get()
    at = timezone.localtime() + datetime.timedelta(days=1)

    manager_client.post(
        f"/announcements/{announcement.pk}/send/", {"send_at": at.strftime("%Y-%m-%dT%H:%M")}
    )

    announcement.refresh_from_db()
    assert announcement.state == "scheduled"


def test_a_test_send_goes_to_the_manager_only_marked_as_a_test(manager_client, manager_user, ada):
    manager_user.email = "mona@ourshop.example"
    manager_user.save()
    compose(manager_client, kind="marketing")
    announcement = Announcement.objects.get()

    manager_client.post(f"/announcements/{announcement.pk}/test/")
    send_queued()

    (email,) = mail.outbox
    assert email.to == ["mona@ourshop.example"]
    assert email.subject == "[Test] Now open on Saturdays"
    assert not Recipient.objects.exists()


def test_a_move_that_does_not_fit_the_state_is_a_message_not_an_error(manager_client, ada):
    compose(manager_client)
    announcement = Announcement.objects.get()

    response = manager_client.post(f"/announcements/{announcement.pk}/resume/", follow=True)

    assert response.status_code == 200
    assert b"moved on meanwhile" in response.content
    assert manager_client.post(f"/announcements/{announcement.pk}/explode/").status_code == 404
    assert manager_client.get(f"/announcements/{announcement.pk}/pause/").status_code == 405


def test_an_unknown_announcement_is_404(manager_client):
    assert manager_client.get("/announcements/999999/").status_code == 404
    assert manager_client.get("/announcements/99999999999999999999/").status_code == 404


def test_a_sent_announcement_cannot_be_edited(manager_client, ada):
    compose(manager_client)
    announcement = Announcement.objects.get()
    manager_client.post(f"/announcements/{announcement.pk}/send/", {"send_at": ""})

    assert manager_client.get(f"/announcements/{announcement.pk}/edit/").status_code == 404


def test_a_manager_reaches_the_list_and_the_compose_page(manager_client, ada):
    compose(manager_client)
    announcement = Announcement.objects.get()

    for url in [
        "/announcements/",
        "/announcements/new/",
        f"/announcements/{announcement.pk}/edit/",
    ]:
        response = manager_client.get(url)
        assert response.status_code == 200, url
    assert "Now open on Saturdays" in manager_client.get("/announcements/").content.decode()
