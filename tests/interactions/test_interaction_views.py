import datetime

import pytest
from django.utils import timezone

from interactions import views as interaction_views
from interactions.models import FollowUp, Interaction
from tests.factories import CustomerFactory

from .factories_timeline import InteractionFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def customer(staff_user):
    """Sam's customer for a year: established, so a 60-day cadence; never contacted."""
    return CustomerFactory(
        name="Ada Lovelace", owner=staff_user, customer_since=timezone.localdate() - 365 * DAY
    )


def _local_input(moment: datetime.datetime) -> str:
    """What a datetime-local input sends for this moment."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _log_data(**overrides):
    data = {
        "kind": "check_in",
        "channel": "phone",
        "occurred_at": _local_input(timezone.now() - datetime.timedelta(minutes=5)),
        "summary": "Quarterly check-in",
        "details": "All well; asked about the new range.",
        "initiated_by": "us",
        "outcome": "met",
        "satisfaction": "4",
    }
    data.update(overrides)
    return data


# Logging --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, customer):
    response = client.post(f"/customers/{customer.pk}/log/", _log_data())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Interaction.objects.count() == 0


def test_the_log_page_defaults_to_now_in_local_time(staff_client, customer):
    before = _local_input(timezone.now())
    response = staff_client.get(f"/customers/{customer.pk}/log/")
    after = _local_input(timezone.now())

    content = response.content.decode()
    assert response.status_code == 200
    assert 'type="datetime-local"' in content
    assert f'value="{before}"' in content or f'value="{after}"' in content


def test_the_profile_logging_form_is_drawn_once_a_minute_and_posts_to_its_customer(
    staff_client, staff_user, customer, monkeypatch
):
    other = CustomerFactory(owner=staff_user)
    quarter_past = timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 15))
    minutes = iter([quarter_past, quarter_past, quarter_past + datetime.timedelta(minutes=1)])
    monkeypatch.setattr(interaction_views, "local_now_to_the_minute", lambda: next(minutes))
    interaction_views._blank_log_fields.cache_clear()

    pages = [
        staff_client.get(f"/customers/{pk}/").content.decode()
        for pk in (customer.pk, other.pk, customer.pk)
    ]

    assert 'value="2026-03-01T09:15"' in pages[0] and 'value="2026-03-01T09:15"' in pages[1]
    assert 'value="2026-03-01T09:16"' in pages[2]
    assert f'action="/customers/{other.pk}/log/"' in pages[1]
    assert interaction_views._blank_log_fields.cache_info().hits == 1


def test_staff_logs_a_check_in_and_the_clock_restarts(staff_client, staff_user, customer):
    response = staff_client.post(f"/customers/{customer.pk}/log/", _log_data())

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#timeline"
    interaction = Interaction.objects.get()
    assert interaction.author == staff_user
    assert interaction.kind == "check_in"
    assert interaction.outcome == "met"
    assert interaction.satisfaction == 4
    customer.refresh_from_db()
    assert customer.last_contact_at == interaction.occurred_at
    # Counted from the day it happened: five minutes ago may still be yesterday just after midnight.
    assert customer.next_checkin_due == timezone.localdate(interaction.occurred_at) + 60 * DAY


def test_the_time_typed_is_read_in_the_local_time_zone(staff_client, customer):
    # London is on summer time (UTC+1) in July.
    staff_client.post(f"/customers/{customer.pk}/log/", _log_data(occurred_at="2024-07-01T10:30"))

    occurred_at = Interaction.objects.get().occurred_at
    assert occurred_at == datetime.datetime(2024, 7, 1, 9, 30, tzinfo=datetime.UTC)


def test_logging_a_note_leaves_the_clock_alone(staff_client, customer):
    before = customer.next_checkin_due

    staff_client.post(f"/customers/{customer.pk}/log/", _log_data(kind="note"))

    customer.refresh_from_db()
    assert Interaction.objects.get().kind == "note"
    assert customer.last_contact_at is None
    assert customer.next_checkin_due == before


@pytest.mark.parametrize("who", ["other_staff_client", "manager_client"])
def test_anyone_on_the_team_logs_on_any_customer(request, who, customer):
    response = request.getfixturevalue(who).post(f"/customers/{customer.pk}/log/", _log_data())

    assert response.status_code == 302
    assert Interaction.objects.count() == 1


def test_logging_on_an_unknown_customer_is_404(staff_client):
    assert staff_client.get("/customers/999999/log/").status_code == 404
    assert staff_client.post("/customers/999999/log/", _log_data()).status_code == 404


def test_a_future_time_is_refused_beside_the_field_and_nothing_is_saved(staff_client, customer):
    tomorrow = _local_input(timezone.now() + DAY)

    response = staff_client.post(f"/customers/{customer.pk}/log/", _log_data(occurred_at=tomorrow))

    assert response.status_code == 200
    assert response.context["form"].errors["occurred_at"] == [
        "That time is in the future: log what has already happened."
    ]
    assert Interaction.objects.count() == 0
    content = response.content.decode()
    assert "That time is in the future" in content
    assert f'value="{tomorrow}"' in content
    assert "Quarterly check-in" in content
    customer.refresh_from_db()
    assert customer.last_contact_at is None


def test_a_new_log_keeps_its_time_behind_one_change_but_a_correction_shows_it(
    staff_client, customer, logged
):
    closed = '<details class="when-field">'
    profile = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert closed in profile and "When: now" in profile
    assert closed in staff_client.get(f"/customers/{customer.pk}/log/").content.decode()

    # Correcting an interaction is about its details, the time among them.
    edit = staff_client.get(f"/interactions/{logged.pk}/edit/").content.decode()
    assert closed not in edit and 'name="occurred_at"' in edit
    # Sent back with an error, the time typed is shown as typed.
    refused = staff_client.post(f"/customers/{customer.pk}/log/", _log_data(summary=""))
    assert closed not in refused.content.decode()


def test_bad_input_is_shown_beside_each_field(staff_client, customer):
    response = staff_client.post(
        f"/customers/{customer.pk}/log/",
        _log_data(
            summary="",
            kind="telepathy",
            occurred_at="yesterday-ish",
            satisfaction="9",
            outcome="",
            follow_up_on="31/02/2025",
        ),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {
        "summary",
        "kind",
        "occurred_at",
        "satisfaction",
        "outcome",
        "follow_up_on",
    }
    assert errors["summary"] == ["Write a one-line summary of what happened."]
    assert errors["satisfaction"] == [
        "Choose a satisfaction from 1 to 5, or leave it as not asked."
    ]
    assert Interaction.objects.count() == 0
    assert 'value="yesterday-ish"' in response.content.decode()


def test_an_overlong_summary_is_refused(staff_client, customer):
    response = staff_client.post(f"/customers/{customer.pk}/log/", _log_data(summary="x" * 201))

    assert "summary" in response.context["form"].errors
    assert Interaction.objects.count() == 0


def test_logging_with_a_follow_up_date_promises_a_call_back(staff_client, staff_user, customer):
    tuesday = timezone.localdate() + 3 * DAY

    staff_client.post(
        f"/customers/{customer.pk}/log/",
        _log_data(
            kind="call",
            summary="Asked for a quote",
            follow_up_on=tuesday.isoformat(),
            follow_up_summary="Call back with the quote",
            follow_up_promised="on",
        ),
    )

    follow_up = FollowUp.objects.get()
    assert follow_up.interaction == Interaction.objects.get()
    assert follow_up.customer == customer
    assert follow_up.due_on == tuesday
    assert follow_up.summary == "Call back with the quote"
    assert follow_up.promised is True
    assert follow_up.assignee == staff_user
    assert follow_up.created_by == staff_user


def test_a_follow_up_date_in_the_past_is_refused_and_nothing_is_saved(staff_client, customer):
    response = staff_client.post(
        f"/customers/{customer.pk}/log/",
        _log_data(follow_up_on=(timezone.localdate() - DAY).isoformat()),
    )

    assert response.context["form"].errors["follow_up_on"] == [
        "Choose today or a later day for the follow-up."
    ]
    assert Interaction.objects.count() == 0
    assert FollowUp.objects.count() == 0


def test_log_goes_back_to_a_safe_next_only(staff_client, customer):
    safe = staff_client.post(f"/customers/{customer.pk}/log/", _log_data(next="/follow-ups/"))
    unsafe = staff_client.post(
        f"/customers/{customer.pk}/log/", _log_data(next="https://evil.example/")
    )

    assert safe["Location"] == "/follow-ups/"
    assert unsafe["Location"] == f"/customers/{customer.pk}/#timeline"


def test_the_log_url_answers_only_get_and_post(staff_client, customer):
    assert staff_client.put(f"/customers/{customer.pk}/log/").status_code == 405


# Editing --------------------------------------------------------------------------------------


@pytest.fixture
def logged(customer, staff_user):
    return InteractionFactory(
        customer=customer, author=staff_user, summary="First call", kind="call"
    )


def _age(interaction, hours):
    Interaction.objects.filter(pk=interaction.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours)
    )


def _edit_data(interaction, **overrides):
    data = _log_data(
        kind=interaction.kind,
        occurred_at=_local_input(interaction.occurred_at),
        summary="Corrected summary",
    )
    data.update(overrides)
    return data


def test_author_edits_within_a_day(staff_client, logged):
    _age(logged, 23)

    page = staff_client.get(f"/interactions/{logged.pk}/edit/")
    response = staff_client.post(f"/interactions/{logged.pk}/edit/", _edit_data(logged))

    logged.refresh_from_db()
    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{logged.customer_id}/#interaction-{logged.pk}"
    assert logged.summary == "Corrected summary"


def test_author_cannot_edit_after_a_day(staff_client, logged):
    _age(logged, 25)

    assert staff_client.get(f"/interactions/{logged.pk}/edit/").status_code == 403
    response = staff_client.post(f"/interactions/{logged.pk}/edit/", _edit_data(logged))

    logged.refresh_from_db()
    assert response.status_code == 403
    assert logged.summary == "First call"


def test_other_staff_cannot_edit(other_staff_client, logged):
    assert other_staff_client.get(f"/interactions/{logged.pk}/edit/").status_code == 403
    response = other_staff_client.post(f"/interactions/{logged.pk}/edit/", _edit_data(logged))

    logged.refresh_from_db()
    assert response.status_code == 403
    assert logged.summary == "First call"


def test_manager_edits_any_interaction_of_any_age(manager_client, logged):
    _age(logged, 24 * 90)

    response = manager_client.post(f"/interactions/{logged.pk}/edit/", _edit_data(logged))

    logged.refresh_from_db()
    assert response.status_code == 302
    assert logged.summary == "Corrected summary"


def test_anonymous_cannot_edit(client, logged):
    response = client.post(f"/interactions/{logged.pk}/edit/", _edit_data(logged))

    logged.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert logged.summary == "First call"


def test_editing_an_unknown_interaction_is_404(manager_client):
    assert manager_client.get("/interactions/999999/edit/").status_code == 404


def test_an_untouched_time_keeps_its_seconds(staff_client, logged):
    exact = timezone.now().replace(second=42, microsecond=0) - datetime.timedelta(hours=2)
    Interaction.objects.filter(pk=logged.pk).update(occurred_at=exact)
    logged.refresh_from_db()

    staff_client.post(f"/interactions/{logged.pk}/edit/", _edit_data(logged))

    logged.refresh_from_db()
    assert logged.occurred_at == exact


def test_editing_the_time_moves_the_last_contact(staff_client, customer, staff_user):
    staff_client.post(f"/customers/{customer.pk}/log/", _log_data(kind="call"))
    interaction = Interaction.objects.get()
    earlier = timezone.now() - 10 * DAY

    staff_client.post(
        f"/interactions/{interaction.pk}/edit/",
        _edit_data(interaction, occurred_at=_local_input(earlier)),
    )

    customer.refresh_from_db()
    assert timezone.localtime(customer.last_contact_at).strftime("%Y-%m-%dT%H:%M") == (
        _local_input(earlier)
    )
    assert customer.next_checkin_due == timezone.localdate(earlier) + 60 * DAY


def test_editing_into_the_future_is_refused_beside_the_field(staff_client, logged):
    response = staff_client.post(
        f"/interactions/{logged.pk}/edit/",
        _edit_data(logged, occurred_at=_local_input(timezone.now() + DAY)),
    )

    logged.refresh_from_db()
    assert response.status_code == 200
    assert "occurred_at" in response.context["form"].errors
    assert logged.summary == "First call"


def test_the_profile_shows_edit_only_where_allowed(staff_client, other_staff_client, customer):
    mine = InteractionFactory(customer=customer, author=customer.owner, summary="Mine, fresh")
    old = InteractionFactory(customer=customer, author=customer.owner, summary="Mine, old")
    _age(old, 48)

    own_view = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    other_view = other_staff_client.get(f"/customers/{customer.pk}/").content.decode()

    assert f"/interactions/{mine.pk}/edit/" in own_view
    assert f"/interactions/{old.pk}/edit/" not in own_view
    assert f"/interactions/{mine.pk}/edit/" not in other_view
    assert f"/interactions/{old.pk}/edit/" not in other_view


def test_manager_sees_edit_on_every_interaction(manager_client, customer):
    old = InteractionFactory(customer=customer, author=customer.owner)
    _age(old, 24 * 30)

    content = manager_client.get(f"/customers/{customer.pk}/").content.decode()

    assert f"/interactions/{old.pk}/edit/" in content
