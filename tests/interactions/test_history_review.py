import csv
import io

import pytest

from interactions.complaints.services import complaint_open, complaint_transition
from interactions.follow_ups.services import followup_create
from interactions.services import interaction_log
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(staff_user):
    customer = CustomerFactory(name="Ada Lovelace", owner=staff_user)
    interaction_log(
        customer=customer,
        author=staff_user,
        kind="call",
        summary="Asked about <b>prices</b>",
        details="Wants the yearly plan",
        outcome="exceeded",
        satisfaction=5,
    )
    interaction_log(customer=customer, author=staff_user, kind="note", summary="Prefers mornings")
    complaint_open(customer=customer, summary="Late again", severity="high", opened_by=staff_user)
    followup_create(
        customer=customer,
        summary="Call back Tuesday",
        due_on=customer.customer_since,
        assignee=staff_user,
        created_by=staff_user,
        promised=True,
    )
    return customer


def test_print_view_lists_the_whole_history_escaped(manager_client, customer):
    response = manager_client.get(f"/customers/{customer.pk}/history/")

    content = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["entries"]) == 5  # call, note, complaint call, opened, follow-up
    assert "Asked about &lt;b&gt;prices&lt;/b&gt;" in content
    assert "Prefers mornings" in content
    assert "Late again" in content
    assert "Call back Tuesday" in content
    # A Print button, shown by the page's script (hidden without it, the browser prints).
    assert (
        '<button type="button" class="btn btn-outline-primary btn-sm" data-print hidden>' in content
    )


def test_print_view_filters_by_kind(manager_client, customer):
    response = manager_client.get(f"/customers/{customer.pk}/history/?kind=note")

    assert [e.object.summary for e in response.context["entries"]] == ["Prefers mornings"]


def test_print_view_reports_a_bad_filter_and_still_shows_everything(manager_client, customer):
    response = manager_client.get(f"/customers/{customer.pk}/history/?kind=bogus&start=soon")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert len(response.context["entries"]) == 5


def test_csv_export_of_one_customers_history(manager_client, customer):
    response = manager_client.get(f"/customers/{customer.pk}/history.csv")

    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == [
        "when",
        "type",
        "kind",
        "summary",
        "details",
        "by",
        "outcome",
        "satisfaction",
    ]
    call = next(row for row in rows if row[3] == "Asked about <b>prices</b>")
    assert call[1:] == [
        "interaction",
        "Call",
        "Asked about <b>prices</b>",
        "Wants the yearly plan",
        "Sam Staff",
        "Exceeded expectations",
        "5",
    ]
    assert len(rows) == 6


@pytest.mark.parametrize("path", ["history/", "history.csv"])
def test_history_review_is_for_managers(client, staff_client, customer, path):
    assert client.get(f"/customers/{customer.pk}/{path}").status_code == 302
    assert staff_client.get(f"/customers/{customer.pk}/{path}").status_code == 403


def test_history_of_an_unknown_customer_is_404(manager_client):
    assert manager_client.get("/customers/999999/history/").status_code == 404


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_history_csv_stops_spreadsheets_running_typed_text_as_formulas(
    manager_client, staff_user, start
):
    customer = CustomerFactory(name="Grace Hopper", owner=staff_user)
    formula = f'{start}HYPERLINK("http://evil.example","Click")'
    interaction_log(
        customer=customer, author=staff_user, kind="note", summary=formula, details=formula
    )
    complaint = complaint_open(
        customer=customer, summary="Rude on the phone", severity="low", opened_by=staff_user
    )
    complaint_transition(complaint, to_status="acknowledged", actor=staff_user, note=formula)
    followup_create(
        customer=customer,
        summary=formula,
        due_on=customer.customer_since,
        assignee=staff_user,
        created_by=staff_user,
    )

    response = manager_client.get(f"/customers/{customer.pk}/history.csv")

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    note = next(row for row in rows if row["kind"] == "Note")
    acknowledged = next(row for row in rows if row["kind"] == "Acknowledged")
    follow_up = next(row for row in rows if row["type"] == "follow-up")
    assert (note["summary"], note["details"]) == ("'" + formula, "'" + formula)
    assert acknowledged["details"] == "'" + formula
    assert follow_up["summary"] == "'" + formula
