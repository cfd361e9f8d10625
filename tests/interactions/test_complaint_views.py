"""Complaint pages as anonymous, staff (owner or assignee), other staff and manager."""

import datetime

import pytest
from django.utils import timezone

from interactions.complaints.selectors import complaints_for_profile
from interactions.models import Complaint, ComplaintEvent, Interaction
from tests.factories import CustomerFactory, UserFactory

from .factories import ComplaintFactory, InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def customer(staff_user):
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com", owner=staff_user)


@pytest.fixture
def complaint(customer):
    return ComplaintFactory(customer=customer, summary="Engine misfires", severity="high")


def _login_url(path):
    return f"/accounts/login/?next={path}"


# Anonymous ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/complaints/"),
        ("get", "/complaints/{pk}/"),
        ("get", "/customers/{customer_pk}/complaints/new/"),
        ("post", "/customers/{customer_pk}/complaints/new/"),
        ("post", "/complaints/{pk}/transition/"),
        ("post", "/complaints/{pk}/update/"),
    ],
)
def test_anonymous_is_sent_to_login_and_nothing_changes(client, complaint, method, path):
    path = path.format(pk=complaint.pk, customer_pk=complaint.customer_id)

    data = {"to_status": "acknowledged", "summary": "x"} if method == "post" else None
    response = getattr(client, method)(path, data)

    assert response.status_code == 302
    assert response["Location"] == _login_url(path)
    assert Complaint.objects.get().status == "open"
    assert Complaint.objects.count() == 1


def test_most_urgent_first_puts_live_cases_first_then_severity_then_the_nearest_target(customer):
    now = timezone.now()
    closed_urgent = ComplaintFactory(
        customer=customer, severity="urgent", status="closed", resolved_at=now, closed_at=now
    )
    low = ComplaintFactory(customer=customer, severity="low", status="in_progress")
    normal = ComplaintFactory(customer=customer, severity="normal", status="acknowledged")
    later_high = ComplaintFactory(customer=customer, severity="high")
    sooner_high = ComplaintFactory(
        customer=customer, severity="high", opened_at=now - datetime.timedelta(hours=1)
    )
    resolved_low = ComplaintFactory(customer=customer, severity="low", status="resolved")

    ordered = Complaint.objects.filter(customer=customer).most_urgent_first()

    assert list(ordered) == [sooner_high, later_high, normal, low, closed_urgent, resolved_low]


# Queue ----------------------------------------------------------------------------------------


def test_queue_shows_open_cases_most_urgent_first_with_their_target(other_staff_client, staff_user):
    now = timezone.now()
    low = ComplaintFactory(severity="low", summary="Low one")
    urgent_late = ComplaintFactory(
        severity="urgent", summary="Urgent late", opened_at=now - datetime.timedelta(hours=2)
    )
    high = ComplaintFactory(severity="high", summary="High one", assignee=staff_user)
    ComplaintFactory(status="closed", summary="Closed one", closed_at=now, resolved_at=now)

    response = other_staff_client.get("/complaints/")

    assert response.status_code == 200
    rows = response.context["complaints"]
    assert [c.pk for c in rows] == [urgent_late.pk, high.pk, low.pk]
    assert [c.target for c in rows] == ["breached", "on_track", "on_track"]
    content = response.content.decode()
    assert "Closed one" not in content
    assert "Breached" in content and "On track" in content
    assert high.customer.get_absolute_url() in content
    assert "Sam Staff" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["open", "acknowledged", "in_progress"]),
        ("status=open", ["open", "acknowledged", "in_progress"]),
        ("status=not_acknowledged", ["open"]),
        ("status=in_progress", ["in_progress"]),
        ("status=closed", ["closed"]),
        ("status=all", ["open", "acknowledged", "in_progress", "resolved", "closed"]),
    ],
)
def test_queue_filters_by_status(staff_client, query, expected):
    now = timezone.now()
    for status in Complaint.Status.values:
        ComplaintFactory(status=status, summary=status, resolved_at=now, first_response_at=now)

    response = staff_client.get(f"/complaints/?{query}")

    assert sorted(c.status for c in response.context["complaints"]) == sorted(expected)


def test_queue_filters_by_severity_and_assignee(staff_client, staff_user, other_staff_user):
    mine = ComplaintFactory(severity="urgent", assignee=staff_user)
    theirs = ComplaintFactory(severity="urgent", assignee=other_staff_user)
    ComplaintFactory(severity="low", assignee=staff_user)
    nobodys = ComplaintFactory(severity="urgent", assignee=None)

    def shown(query):
        return {c.pk for c in staff_client.get(f"/complaints/?{query}").context["complaints"]}

    assert shown("severity=urgent&assignee=mine") == {mine.pk}
    assert shown(f"severity=urgent&assignee={other_staff_user.pk}") == {theirs.pk}
    assert shown("severity=urgent&assignee=none") == {nobodys.pk}


def test_queue_explains_a_bad_filter_instead_of_failing(staff_client):
    ComplaintFactory()

    response = staff_client.get("/complaints/?assignee=999999&severity=apocalyptic&page=x")

    assert response.status_code == 200
    assert set(response.context["filter"].form.errors) == {"assignee", "severity"}
    assert b"Select a valid choice" in response.content


def test_queue_is_paginated_by_25(staff_client):
    ComplaintFactory.create_batch(26, customer=CustomerFactory())

    first = staff_client.get("/complaints/")
    second = staff_client.get("/complaints/?page=2")

    assert len(first.context["complaints"]) == 25
    assert len(second.context["complaints"]) == 1
    assert b"Page 1 of 2" in first.content


@pytest.mark.parametrize("count", [3, 30])
def test_queue_query_count_is_constant(manager_client, django_assert_num_queries, count):
    for _ in range(count):
        ComplaintFactory(assignee=UserFactory())
    # session, user with the manager check, assignee choices of the filter, count, the page of
    # complaints joined to their assignees, the page's customers
    with django_assert_num_queries(6):
        response = manager_client.get("/complaints/?status=all")
    assert len(response.context["complaints"]) == min(count, 25)


def test_queue_escapes_user_text(staff_client):
    ComplaintFactory(
        summary="<script>alert(1)</script>", customer=CustomerFactory(name="<b>Bold</b>")
    )

    content = staff_client.get("/complaints/").content.decode()

    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "&lt;b&gt;Bold&lt;/b&gt;" in content


# Case page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_client", "other_staff_client", "manager_client"])
def test_everyone_logged_in_sees_the_case(request, complaint, who):
    client = request.getfixturevalue(who)
    ComplaintEvent.objects.create(complaint=complaint, kind="opened", note="High")

    response = client.get(f"/complaints/{complaint.pk}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Engine misfires" in content
    assert "Ada Lovelace" in content
    assert "Respond by" in content and "Resolve by" in content


def test_the_owner_sees_the_allowed_moves_and_the_remedy_form(staff_client, complaint):
    response = staff_client.get(f"/complaints/{complaint.pk}/")

    content = response.content.decode()
    assert 'value="acknowledged"' in content
    assert 'value="in_progress"' in content
    assert 'name="resolution_summary"' in content
    assert 'value="closed"' not in content
    assert response.context["update_form"] is not None


def test_other_staff_see_no_controls(other_staff_client, complaint):
    response = other_staff_client.get(f"/complaints/{complaint.pk}/")

    content = response.content.decode()
    assert "complaint-transition" not in content
    assert f"/complaints/{complaint.pk}/transition/" not in content
    assert f"/complaints/{complaint.pk}/update/" not in content
    assert response.context["update_form"] is None


def test_a_closed_case_offers_only_reopen(manager_client, complaint):
    now = timezone.now()
    Complaint.objects.filter(pk=complaint.pk).update(
        status="closed", first_response_at=now, resolved_at=now, closed_at=now
    )

    content = manager_client.get(f"/complaints/{complaint.pk}/").content.decode()

    assert 'value="open"' in content
    assert 'name="resolution_summary"' not in content
    assert "Met" in content


def test_case_page_escapes_user_text(staff_client, customer):
    complaint = ComplaintFactory(customer=customer, summary="<script>alert(1)</script>")
    ComplaintEvent.objects.create(complaint=complaint, kind="status", note="<img src=x>")

    content = staff_client.get(f"/complaints/{complaint.pk}/").content.decode()

    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<img src=x>" not in content


def test_unknown_case_is_404(staff_client):
    assert staff_client.get("/complaints/999999/").status_code == 404
    assert staff_client.post("/complaints/999999/transition/").status_code == 404
    assert staff_client.post("/complaints/999999/update/").status_code == 404


@pytest.mark.parametrize("count", [1, 10])
def test_case_page_query_count_is_constant(
    staff_client, complaint, django_assert_num_queries, count
):
    for _ in range(count):
        ComplaintEvent.objects.create(complaint=complaint, kind="remedy", actor=UserFactory())
    # session, user with the manager check, the case joined to customer, owner, assignee,
    # opener and interaction, events joined to actors, assignee choices of the form, the
    # sub-causes a resolution may name
    with django_assert_num_queries(6):
        staff_client.get(f"/complaints/{complaint.pk}/")


# Opening a case -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_client", "other_staff_client", "manager_client"])
def test_anyone_logged_in_opens_a_case_on_any_customer(request, customer, staff_user, who):
    client = request.getfixturevalue(who)

    response = client.post(
        f"/customers/{customer.pk}/complaints/new/",
        {"summary": "Wrong colour", "severity": "urgent", "channel": "email", "details": "Blue."},
        follow=True,
    )

    complaint = Complaint.objects.get()
    assert response.redirect_chain == [(f"/complaints/{complaint.pk}/", 302)]
    assert complaint.severity == "urgent"
    assert complaint.assignee == staff_user  # the customer's owner by default
    assert complaint.interaction.details == "Blue."
    assert complaint.interaction.channel == "email"
    assert "They will be emailed an acknowledgement." in response.content.decode()


def test_the_form_page_shows_for_the_customer(staff_client, customer):
    response = staff_client.get(f"/customers/{customer.pk}/complaints/new/")

    assert response.status_code == 200
    assert b"New complaint from Ada Lovelace" in response.content
    assert b"ada@example.com" in response.content


def test_the_opener_can_choose_the_assignee(staff_client, customer, other_staff_user):
    staff_client.post(
        f"/customers/{customer.pk}/complaints/new/",
        {
            "summary": "Noisy",
            "severity": "low",
            "channel": "phone",
            "assignee": other_staff_user.pk,
        },
    )

    assert Complaint.objects.get().assignee == other_staff_user


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"severity": "apocalyptic"}, "severity", "Choose a severity from the list."),
        ({"summary": "  "}, "summary", "Say in a line what went wrong."),
        ({"assignee": "999999"}, "assignee", "That person is not on the team"),
        ({"assignee": "nobody"}, "assignee", "That person is not on the team"),
        ({"summary": "x" * 201}, "summary", "at most 200 characters"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_opened(staff_client, customer, data, field, message):
    form_data = {"summary": "Broken", "severity": "normal", "channel": "phone", **data}

    response = staff_client.post(f"/customers/{customer.pk}/complaints/new/", form_data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert not Complaint.objects.exists()
    assert not Interaction.objects.exists()


def test_unknown_customer_is_404(staff_client):
    assert staff_client.get("/customers/999999/complaints/new/").status_code == 404


def test_a_case_opens_from_the_customers_complaint_interaction(staff_client, customer):
    interaction = InteractionFactory(
        customer=customer, kind="complaint", summary="Parcel arrived crushed"
    )
    path = f"/customers/{customer.pk}/complaints/new/?interaction={interaction.pk}"

    page = staff_client.get(path)
    assert page.status_code == 200
    assert page.context["form"]["summary"].initial == "Parcel arrived crushed"
    assert "channel" not in page.context["form"].fields

    response = staff_client.post(
        path,
        {"summary": "Parcel arrived crushed", "severity": "normal", "interaction": interaction.pk},
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert complaint.interaction == interaction
    assert Interaction.objects.count() == 1


@pytest.mark.parametrize(
    "problem", ["other_customer", "not_a_complaint", "not_a_number", "unknown"]
)
def test_opening_from_an_interaction_that_is_not_this_customers_complaint_is_404(
    staff_client, customer, problem
):
    interaction_id = {
        "other_customer": lambda: InteractionFactory(kind="complaint").pk,
        "not_a_complaint": lambda: InteractionFactory(customer=customer, kind="call").pk,
        "not_a_number": lambda: "abc",
        "unknown": lambda: 999999,
    }[problem]()
    path = f"/customers/{customer.pk}/complaints/new/?interaction={interaction_id}"

    assert staff_client.get(path).status_code == 404
    assert staff_client.post(path, {"summary": "x", "severity": "low"}).status_code == 404
    assert not Complaint.objects.exists()


def test_a_posted_interaction_of_another_customer_is_refused(staff_client, customer):
    elsewhere = InteractionFactory(kind="complaint")

    response = staff_client.post(
        f"/customers/{customer.pk}/complaints/new/",
        {"summary": "x", "severity": "low", "channel": "phone", "interaction": elsewhere.pk},
    )

    assert response.status_code == 200
    assert "interaction" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_an_interaction_that_already_has_a_case_leads_to_it(staff_client, complaint):
    path = (
        f"/customers/{complaint.customer_id}/complaints/new/?interaction={complaint.interaction_id}"
    )

    response = staff_client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    assert Complaint.objects.count() == 1


# Moving a case on -----------------------------------------------------------------------------


def _move(client, complaint, to_status, **data):
    return client.post(f"/complaints/{complaint.pk}/transition/", {"to_status": to_status, **data})


@pytest.mark.parametrize("who", ["owner", "assignee", "manager"])
def test_owner_assignee_and_manager_move_the_case_on(
    request, customer, other_staff_user, staff_user, who
):
    complaint = ComplaintFactory(customer=customer, assignee=other_staff_user)
    client = request.getfixturevalue(
        {"owner": "staff_client", "assignee": "other_staff_client", "manager": "manager_client"}[
            who
        ]
    )

    response = _move(client, complaint, "acknowledged", note="Called them back.")

    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    complaint.refresh_from_db()
    assert complaint.status == "acknowledged"
    assert complaint.first_response_at is not None
    event = complaint.events.get()
    assert event.note == "Called them back."


def test_other_staff_cannot_move_or_update_the_case(other_staff_client, complaint):
    moved = _move(other_staff_client, complaint, "acknowledged")
    updated = other_staff_client.post(
        f"/complaints/{complaint.pk}/update/",
        {"assignee": complaint.assignee_id, "remedy": "refund"},
    )

    assert moved.status_code == 403
    assert updated.status_code == 403
    complaint.refresh_from_db()
    assert (complaint.status, complaint.remedy) == ("open", "")
    assert not complaint.events.exists()


@pytest.mark.parametrize("path", ["/complaints/{pk}/transition/", "/complaints/{pk}/update/"])
def test_mutating_views_refuse_get(staff_client, complaint, path):
    assert staff_client.get(path.format(pk=complaint.pk)).status_code == 405


def test_resolving_without_a_summary_is_explained_and_changes_nothing(staff_client, complaint):
    response = _move(staff_client, complaint, "resolved", resolution_summary="  ")

    assert response.status_code == 200
    assert "Say how it was resolved before marking it resolved." in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == "open"


def test_resolving_with_a_summary(staff_client, complaint):
    response = _move(staff_client, complaint, "resolved", resolution_summary="Replaced the coil.")

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution_summary) == ("resolved", "Replaced the coil.")


def test_a_refused_move_is_explained_and_changes_nothing(staff_client, complaint):
    response = _move(staff_client, complaint, "closed", note="Keep me")

    assert response.status_code == 200
    content = response.content.decode()
    assert "This complaint is open, so it cannot move to closed." in content
    assert "Keep me" in content  # what they typed is still there
    complaint.refresh_from_db()
    assert complaint.status == "open"
    assert not complaint.events.exists()


@pytest.mark.parametrize("to_status", ["escalated", ""])
def test_a_bogus_status_is_explained(staff_client, complaint, to_status):
    response = _move(staff_client, complaint, to_status)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages and ("use the buttons" in messages[0] or "Choose what to do" in messages[0])
    complaint.refresh_from_db()
    assert complaint.status == "open"


# Assignee and remedy --------------------------------------------------------------------------


def test_the_assignee_records_the_remedy_and_hands_the_case_over(
    other_staff_client, complaint, other_staff_user, manager_user
):
    Complaint.objects.filter(pk=complaint.pk).update(assignee=other_staff_user)

    response = other_staff_client.post(
        f"/complaints/{complaint.pk}/update/",
        {"assignee": manager_user.pk, "remedy": "on_site", "remedy_accepted": "true"},
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.assignee == manager_user
    assert (complaint.remedy, complaint.remedy_accepted) == ("on_site", True)
    assert set(complaint.events.values_list("kind", flat=True)) == {"assigned", "remedy"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"assignee": "999999"}, "That person is not on the team"),
        ({"assignee": ""}, "Choose who handles this case."),
        ({"remedy": "free-car"}, "Choose a remedy from the list."),
        ({"remedy": "", "remedy_accepted": "true"}, "Choose the remedy first"),
    ],
)
def test_bad_update_is_explained_and_changes_nothing(staff_client, complaint, data, message):
    form_data = {
        "assignee": complaint.assignee_id,
        "remedy": "refund",
        "remedy_accepted": "",
        **data,
    }

    response = staff_client.post(f"/complaints/{complaint.pk}/update/", form_data)

    assert response.status_code == 200
    assert message in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.remedy == ""
    assert not complaint.events.exists()


# The card on the customer's profile -----------------------------------------------------------


def test_profile_card_lists_the_customers_cases_with_targets(customer, django_assert_num_queries):
    open_case = ComplaintFactory(customer=customer, severity="urgent", summary="Urgent")
    ComplaintFactory(customer=customer, status="closed", summary="Old", resolved_at=timezone.now())
    ComplaintFactory(summary="Someone else's")

    with django_assert_num_queries(1):
        rows = complaints_for_profile(customer)

    assert [c.summary for c in rows] == ["Urgent", "Old"]
    assert rows[0].target == "on_track" and rows[1].target == "met"

    from django.template.loader import render_to_string

    html = render_to_string(
        "interactions/customer_complaints.html", {"customer": customer, "complaints": rows}
    )
    assert f"/customers/{customer.pk}/complaints/new/" in html
    assert open_case.get_absolute_url() in html
    assert "On track" in html and "Met" in html
