"""Why a complaint happened, chosen at resolution, and how a customer felt, noted when logging."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from interactions.complaints import services as complaints
from interactions.models import Complaint, ComplaintSubCause, Interaction
from interactions.moods import mood_falls
from tests.factories import CustomerFactory, UserFactory

from .factories import ComplaintFactory
from .test_interaction_views import _log_data

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def case(staff_user):
    customer = CustomerFactory(owner=staff_user)
    return ComplaintFactory(customer=customer, assignee=staff_user, opened_by=staff_user)


def _resolve(case, actor, **fields):
    return complaints.complaint_transition(
        case, to_status="resolved", actor=actor, resolution_summary="Fixed it.", **fields
    )


def test_the_cause_and_sub_cause_are_recorded_at_resolution(case, staff_user):
    wait = ComplaintSubCause.objects.get(cause="system", name="Long wait")

    _resolve(case, staff_user, cause="system", sub_cause=wait)

    case.refresh_from_db()
    assert (case.cause, case.sub_cause) == ("system", wait)


def test_a_cause_is_optional_until_it_is_required(case, staff_user, settings):
    settings.COMPLAINT_CAUSE_REQUIRED = True

    with pytest.raises(ValidationError) as refused:
        _resolve(case, staff_user)

    assert refused.value.message_dict == {
        "cause": ["Say why it happened before marking it resolved."]
    }
    case.refresh_from_db()
    assert case.status == Complaint.Status.OPEN
    _resolve(case, staff_user, cause="people")
    case.refresh_from_db()
    assert case.status == Complaint.Status.RESOLVED


def test_the_resolve_form_asks_for_the_cause_when_required(case, staff_user, settings):
    settings.COMPLAINT_CAUSE_REQUIRED = True
    client = Client()
    client.force_login(staff_user)

    response = client.post(
        f"/complaints/{case.pk}/transition/",
        {"to_status": "resolved", "resolution_summary": "Fixed it."},
    )

    assert response.status_code == 200
    assert "Say why it happened before marking it resolved." in response.content.decode()
    assert Complaint.objects.get(pk=case.pk).status == Complaint.Status.OPEN
    done = client.post(
        f"/complaints/{case.pk}/transition/",
        {"to_status": "resolved", "resolution_summary": "Fixed it.", "cause": "value"},
    )
    assert done.status_code == 302
    assert Complaint.objects.get(pk=case.pk).cause == "value"


@pytest.mark.parametrize(
    ("cause", "sub_cause", "error"),
    [
        ("valu", None, "Choose a cause from the list."),
        ("١", None, "Choose a cause from the list."),
        ("people", "system:Long wait", "That one belongs under another cause."),
        ("people", "99999999999999999999", "Choose one from the list, or none."),
    ],
)
def test_a_bad_cause_is_refused_clearly(case, staff_user, cause, sub_cause, error):
    client = Client()
    client.force_login(staff_user)
    if sub_cause and ":" in sub_cause:
        parent, name = sub_cause.split(":")
        sub_cause = ComplaintSubCause.objects.get(cause=parent, name=name).pk

    response = client.post(
        f"/complaints/{case.pk}/transition/",
        {
            "to_status": "resolved",
            "resolution_summary": "Fixed.",
            "cause": cause,
            "sub_cause": sub_cause or "",
        },
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert Complaint.objects.get(pk=case.pk).status == Complaint.Status.OPEN


def test_reopening_forgets_nothing_of_the_cause_until_it_is_resolved_again(case, staff_user):
    _resolve(case, staff_user, cause="value")
    complaints.complaint_transition(case, to_status="open", actor=staff_user)
    _resolve(case, staff_user, cause="people")

    case.refresh_from_db()
    assert case.cause == "people"
    assert case.history.filter(cause="value").exists()


# Mood ----------------------------------------------------------------------------------------


def test_mood_is_one_tap_when_logging_and_shows_on_the_timeline(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user)

    page = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert page.count('type="radio" class="btn-check" name="mood"') == 6  # five and "not noted"
    for mood in Interaction.Mood:
        assert f">{mood.label}</label>" in page
    response = staff_client.post(f"/customers/{customer.pk}/log/", _log_data(mood="2"))

    assert response.status_code == 302
    assert Interaction.objects.get(customer=customer).mood == Interaction.Mood.FRUSTRATED
    profile = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Felt: Frustrated" in profile
    assert "How they felt lately" in profile


@pytest.mark.parametrize("mood", ["0", "6", "٢", "angry", "2.0", "9" * 40])
def test_a_made_up_mood_is_refused(staff_client, staff_user, mood):
    customer = CustomerFactory(owner=staff_user)

    response = staff_client.post(f"/customers/{customer.pk}/log/", _log_data(mood=mood))

    assert response.status_code == 200
    assert "Choose one of the moods, or “Not noted”." in response.content.decode()
    assert not Interaction.objects.filter(customer=customer).exists()


def _moods(customer, author, moods, now):
    for days_ago, mood in moods:
        Interaction.objects.create(
            customer=customer,
            author=author,
            kind="call",
            summary="Call",
            mood=mood,
            occurred_at=now - days_ago * DAY,
        )


def test_a_sharp_fall_in_mood_is_found_and_a_small_one_is_not():
    now = timezone.now()
    author = UserFactory()
    fell, dipped, always_cross = CustomerFactory(), CustomerFactory(), CustomerFactory()
    _moods(fell, author, [(30, 5), (20, 4), (10, 5), (1, 2)], now)
    _moods(dipped, author, [(30, 4), (20, 4), (1, 3)], now)
    _moods(always_cross, author, [(30, 1), (20, 2), (1, 1)], now)
    old_fall = CustomerFactory()
    _moods(old_fall, author, [(60, 5), (50, 5), (40, 1)], now)

    found = mood_falls(now - 7 * DAY)

    assert [f.customer_id for f in found] == [fell.pk]
    assert found[0].latest == 2 and found[0].before == pytest.approx(14 / 3)


def test_a_fall_in_mood_puts_the_customer_on_the_at_risk_list(manager_client, staff_user):
    now = timezone.now()
    customer = CustomerFactory(owner=staff_user, name="Fran Fallen")
    _moods(customer, staff_user, [(30, 5), (20, 5), (1, 1)], now)

    page = manager_client.get("/dashboard/").content.decode()

    at_risk = page[page.index('id="risk-h"') :]
    assert "Fran Fallen" in at_risk
    assert "mood fell" in at_risk
