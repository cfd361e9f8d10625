"""The API does what the pages do, under the pages' rules: who may change what, the same
validation, the same services (the audit trail names the token's owner)."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Customer
from interactions.models import Complaint, FollowUp, Interaction
from tests.factories import CustomerFactory
from tests.interactions.factories import ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory

pytestmark = pytest.mark.django_db
JSON = "application/json"


def post(client, path, data=None, **headers):
    return client.post(path, data or {}, content_type=JSON, headers=headers)


def patch(client, path, data):
    return client.patch(path, data, content_type=JSON)


# Customers -----------------------------------------------------------------------------------


def test_list_filters_and_searches_as_the_page_does(staff_api, staff_user, own_customer):
    CustomerFactory(name="Grace Hopper", email="grace@example.com")
    CustomerFactory(name="Archived Alan", archived_at=timezone.now())

    everyone = staff_api.get("/api/v1/customers/").json()["results"]
    found = staff_api.get("/api/v1/customers/", {"q": "grace"}).json()["results"]
    mine = staff_api.get("/api/v1/customers/", {"owner": "mine"}).json()["results"]
    archived = staff_api.get("/api/v1/customers/", {"status": "archived"}).json()["results"]

    assert {c["name"] for c in everyone} == {"Ada Lovelace", "Grace Hopper"}
    assert [c["name"] for c in found] == ["Grace Hopper"]
    assert [c["name"] for c in mine] == ["Ada Lovelace"]
    assert [c["name"] for c in archived] == ["Archived Alan"]


def test_pages_follow_the_cursor_and_see_every_row_once(staff_api):
    for number in range(7):
        CustomerFactory(name=f"Customer {number}")
    seen, url = [], "/api/v1/customers/?page_size=3"
    while url:
        body = staff_api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 7


def test_staff_create_a_customer_they_then_own(staff_api, staff_user):
    response = post(
        staff_api,
        "/api/v1/customers/",
        {"name": "Joan Clarke", "email": "JOAN@example.com", "tags": ["vip", "weekly"]},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["email"], body["owner"], body["tags"]) == (
        "joan@example.com",
        staff_user.pk,
        ["vip", "weekly"],
    )
    customer = Customer.objects.get(pk=body["id"])
    assert customer.history.get().history_user == staff_user


def test_staff_may_not_choose_an_owner(staff_api, other_staff_user):
    response = post(staff_api, "/api/v1/customers/", {"name": "X", "owner": other_staff_user.pk})
    assert response.status_code == 400
    assert "owner" in response.json()["fields"]
    assert not Customer.objects.exists()


def test_the_pages_rules_hold(staff_api, own_customer):
    clash = post(staff_api, "/api/v1/customers/", {"name": "Twin", "email": "ada@example.com"})
    future = post(
        staff_api,
        "/api/v1/customers/",
        {
            "name": "Later",
            "customer_since": (timezone.localdate() + datetime.timedelta(days=400)).isoformat(),
        },
    )

    assert clash.status_code == 400
    assert "already belongs" in clash.json()["fields"]["email"][0]
    assert "<a" not in clash.json()["fields"]["email"][0]
    assert future.status_code == 400 and "customer_since" in future.json()["fields"]


def test_staff_edit_their_own_customer_but_not_anothers(staff_api, other_api, own_customer):
    mine = patch(staff_api, f"/api/v1/customers/{own_customer.pk}/", {"company": "Analytical"})
    theirs = patch(other_api, f"/api/v1/customers/{own_customer.pk}/", {"company": "Hijack"})

    assert mine.status_code == 200, mine.json()
    assert mine.json()["company"] == "Analytical"
    assert mine.json()["name"] == "Ada Lovelace"  # untouched fields stay
    assert theirs.status_code == 403
    own_customer.refresh_from_db()
    assert own_customer.company == "Analytical"


def test_only_managers_archive(staff_api, manager_api, own_customer):
    assert post(staff_api, f"/api/v1/customers/{own_customer.pk}/archive/").status_code == 403
    response = post(manager_api, f"/api/v1/customers/{own_customer.pk}/archive/")
    assert response.status_code == 200 and response.json()["archived"] is True


# The timeline --------------------------------------------------------------------------------


def test_logging_a_call_restarts_the_clock(staff_api, staff_user, own_customer):
    response = post(
        staff_api,
        f"/api/v1/customers/{own_customer.pk}/interactions/",
        {"kind": "call", "channel": "phone", "summary": "Rang about the order", "mood": 4},
    )

    assert response.status_code == 201, response.json()
    interaction = Interaction.objects.get()
    assert (interaction.author, interaction.mood) == (staff_user, 4)
    own_customer.refresh_from_db()
    assert own_customer.last_contact_at == interaction.occurred_at
    listed = staff_api.get(f"/api/v1/customers/{own_customer.pk}/interactions/").json()
    assert [row["summary"] for row in listed["results"]] == ["Rang about the order"]


def test_the_future_is_refused_on_the_timeline(staff_api, own_customer):
    later = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = post(
        staff_api,
        f"/api/v1/customers/{own_customer.pk}/interactions/",
        {"kind": "call", "channel": "phone", "summary": "x", "occurred_at": later},
    )
    assert response.status_code == 400
    assert "occurred_at" in response.json()["fields"]
    assert not Interaction.objects.exists()


# Complaints, follow-ups, reminders, figures --------------------------------------------------


def test_a_complaint_opened_and_resolved_through_the_api(staff_api, staff_user, own_customer):
    opened = post(
        staff_api,
        "/api/v1/complaints/",
        {
            "customer": own_customer.pk,
            "summary": "Late delivery",
            "severity": "high",
            "assignee": staff_user.pk,
        },
    )
    assert opened.status_code == 201, opened.json()
    pk = opened.json()["id"]

    remedy = post(staff_api, f"/api/v1/complaints/{pk}/remedy/", {"remedy": "refund"})
    moved = post(staff_api, f"/api/v1/complaints/{pk}/transition/", {"to_status": "in_progress"})
    resolved = post(
        staff_api,
        f"/api/v1/complaints/{pk}/transition/",
        {"to_status": "resolved", "resolution_summary": "Refunded", "cause": "system"},
    )

    assert remedy.status_code == moved.status_code == resolved.status_code == 200, resolved.json()
    complaint = Complaint.objects.get(pk=pk)
    assert (complaint.status, complaint.remedy, complaint.cause) == ("resolved", "refund", "system")


def test_only_those_who_work_a_case_move_it(other_api, staff_user, own_customer):
    complaint = ComplaintFactory(customer=own_customer, assignee=staff_user)
    response = post(
        other_api, f"/api/v1/complaints/{complaint.pk}/transition/", {"to_status": "in_progress"}
    )
    assert response.status_code == 403
    assert other_api.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 200


def test_follow_ups_are_made_and_done_by_those_allowed(staff_api, other_api, own_customer):
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    made = post(
        staff_api,
        f"/api/v1/customers/{own_customer.pk}/follow-ups/",
        {"summary": "Call back with the quote", "due_on": due, "promised": True},
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]

    assert post(other_api, f"/api/v1/follow-ups/{pk}/done/").status_code == 403
    assert staff_api.get("/api/v1/follow-ups/").json()["results"][0]["id"] == pk
    done = post(staff_api, f"/api/v1/follow-ups/{pk}/done/")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert FollowUp.objects.get().done_at is not None


def test_reminders_are_ones_own(staff_api, other_staff_user):
    FollowUpFactory(assignee=other_staff_user)
    assert staff_api.get("/api/v1/reminders/").json()["results"] == []


def test_figures_are_for_managers(staff_api, manager_api):
    assert staff_api.get("/api/v1/figures/").status_code == 403
    response = manager_api.get("/api/v1/figures/", {"period": 90})
    assert response.status_code == 200
    assert response.json()["period_days"] == 90
    assert manager_api.get("/api/v1/figures/", {"period": "٣٠"}).status_code == 400


# Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "checkin_cadence_days": 10**40},
        {"name": "x", "checkin_cadence_days": 0},
        {"name": "x", "birthday": "99999-01-01"},
        {"name": "x", "birthday": "0001-01-01T00:00"},
        {"name": "\x00"},
        {"name": "x" * 5000},
        {"name": ["a", "list"]},
        {"name": "x", "tags": "not-a-list"},
        {"name": "x", "owner": -1},
        [],
        "just a string",
    ],
)
def test_bad_bodies_get_a_400_with_the_fields_named(staff_api, body):
    response = post(staff_api, "/api/v1/customers/", body)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail", "code", "fields"}
    assert not Customer.objects.exists()


def test_digits_of_any_script_count_as_on_the_page(staff_api):
    response = post(staff_api, "/api/v1/customers/", {"name": "x", "checkin_cadence_days": "١٢"})
    assert response.status_code == 201
    assert response.json()["checkin_cadence_days"] == 12


def test_malformed_json_and_encodings_get_a_400(staff_api):
    for raw in (b"{", b"\xff\xfe{}", b'{"name": "\xc3\x28"}'):
        response = staff_api.generic("POST", "/api/v1/customers/", raw, content_type=JSON)
        assert response.status_code == 400, raw
    assert not Customer.objects.exists()


def test_unknown_ids_and_methods(staff_api, own_customer):
    assert staff_api.get("/api/v1/customers/999999999/").json()["code"] == "not_found"
    assert staff_api.get("/api/v1/customers/١٢/").status_code == 404
    assert staff_api.get("/api/v1/customers/" + "9" * 40 + "/").status_code == 404
    assert staff_api.delete(f"/api/v1/customers/{own_customer.pk}/").status_code == 405
    assert staff_api.get("/api/v1/customers/?cursor=garbage").status_code == 404
    assert staff_api.get("/api/v1/customers/?tag=١").status_code == 400
