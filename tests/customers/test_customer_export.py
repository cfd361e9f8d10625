import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from customers import imports
from customers.models import Customer, CustomerImport
from customers.services import customer_archive
from tests.factories import CustomerFactory, TagFactory

from .imports import import_now, worker_runs


def export(client, query=""):
    response = client.get(reverse("customers:export") + query)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    return response, body


def rows_of(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def counts(preview) -> tuple[int, int, int, int]:
    """(rows, to create, to update, to skip)"""
    return preview.row_count, preview.to_create, preview.to_update, preview.to_skip


def test_export_is_a_streamed_csv_with_bom_header_and_every_field(manager_client, staff_user):
    vip, weekly = TagFactory(name="vip"), TagFactory(name="weekly")
    CustomerFactory(
        name='Ada "Countess" Lovelace',
        company="Engines, Ltd",
        email="ada@example.com",
        phone="+44 20 7946 0000",
        preferred_channel=Customer.Channel.PHONE,
        temperament=Customer.Temperament.ANALYTICAL,
        expectations="Call before noon\r\nNever on Fridays",
        unmet_wants="",
        customer_since=datetime.date(2024, 1, 15),
        segment=Customer.Segment.ESTABLISHED,
        status=Customer.Status.AT_RISK,
        owner=staff_user,
        checkin_cadence_days=30,
        birthday=datetime.date(1815, 12, 10),
        email_opt_out=True,
        next_checkin_due=datetime.date(2024, 2, 14),
        tags=[weekly, vip],
        marketing_consent_at=timezone.now(),
        marketing_consent_source=Customer.ConsentSource.PROFILE,
    )
    CustomerFactory(name="Bob", email="", phone="", owner=None, company="")

    response, body = export(manager_client)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="customers-{today}.csv"'
    assert body.startswith(b"\xef\xbb\xbf" + b"name,company,email,phone,preferred_channel,")
    header = body.decode("utf-8-sig").split("\r\n", 1)[0]
    assert header.split(",") == list(imports.COLUMNS)

    ada, bob = rows_of(body)
    assert ada == {
        "name": 'Ada "Countess" Lovelace',
        "company": "Engines, Ltd",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0000",
        "preferred_channel": "phone",
        "temperament": "analytical",
        "expectations": "Call before noon\r\nNever on Fridays",
        "unmet_wants": "",
        "customer_since": "2024-01-15",
        "segment": "established",
        "status": "at_risk",
        "owner": "sam",
        "tags": "vip|weekly",
        "checkin_cadence_days": "30",
        "birthday": "1815-12-10",
        "email_opt_out": "yes",
        "language": "en-gb",
        # Recorded consent, whatever the opt-out: importing "no" would withdraw it.
        "marketing_consent": "yes",
    }
    assert (bob["name"], bob["owner"], bob["tags"], bob["email_opt_out"]) == ("Bob", "", "", "no")
    assert bob["marketing_consent"] == "no"
    assert (bob["checkin_cadence_days"], bob["birthday"], bob["segment"]) == ("", "", "")


def test_export_applies_the_list_filters(manager_client):
    CustomerFactory(name="Lost One", status=Customer.Status.LOST)
    CustomerFactory(name="Lost Two", status=Customer.Status.LOST)
    CustomerFactory(name="Active", status=Customer.Status.ACTIVE)
    archived = CustomerFactory(name="Archived", status=Customer.Status.LOST)
    customer_archive(archived)

    _, body = export(manager_client, "?status=lost")
    assert [row["name"] for row in rows_of(body)] == ["Lost One", "Lost Two"]

    _, body = export(manager_client)
    assert [row["name"] for row in rows_of(body)] == ["Active", "Lost One", "Lost Two"]

    _, body = export(manager_client, "?status=archived")
    assert [row["name"] for row in rows_of(body)] == ["Archived"]

    _, body = export(manager_client, "?q=two")
    assert [row["name"] for row in rows_of(body)] == ["Lost Two"]


def test_export_stops_spreadsheets_running_cells_as_formulas(manager_client):
    CustomerFactory(
        name='=HYPERLINK("http://evil.example")',
        company="@SUM(A1)",
        phone="+44 (0)20 7946-0000",
        expectations="-not a number",
    )
    (row,) = rows_of(export(manager_client)[1])
    assert row["name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["company"] == "'@SUM(A1)"
    assert row["phone"] == "+44 (0)20 7946-0000"
    assert row["expectations"] == "'-not a number"


def test_export_then_import_in_update_mode_changes_nothing(manager_client, staff_user):
    vip, weekly = TagFactory(name="VIP"), TagFactory(name="weekly")
    for n, status in enumerate(Customer.Status.values):
        customer = CustomerFactory(
            name=f'Customer {n}, "quoted"',
            email=f"c{n}@example.com",
            company="=formula" if n == 0 else f"Company {n}",
            phone="+1 555 0100" if n % 2 else "",
            expectations="Two\r\nlines" if n == 1 else "",
            status=status,
            owner=staff_user if n % 2 else None,
            segment=Customer.Segment.NEW if n == 2 else "",
            checkin_cadence_days=7 if n == 3 else None,
            birthday=datetime.date(1990, 5, n + 1) if n % 2 else None,
            email_opt_out=n == 1,
            # Agreed, agreed but opted out of all email, withdrew, never asked.
            marketing_consent_at=timezone.now() if n < 2 else None,
            marketing_consent_source=Customer.ConsentSource.IMPORT if n < 2 else "",
            marketing_consent_by=staff_user if n < 2 else None,
            marketing_consent_withdrawn_at=timezone.now() if n == 2 else None,
        )
        customer.tags.set([vip, weekly][: n % 3])
        customer.next_checkin_due = customer.compute_next_checkin_due()
        customer.save()
    before = list(Customer.objects.order_by("pk").values())
    links_before = list(Customer.tags.through.objects.order_by("pk").values())
    history_before = Customer.history.count()

    _, body = export(manager_client)
    response = manager_client.post(
        reverse("customers:import"),
        {"file": SimpleUploadedFile("round.csv", body), "duplicates": "update"},
    )
    assert response.status_code == 302
    customer_import = CustomerImport.objects.get()
    worker_runs(customer_import)
    preview = manager_client.get(response.url).context["preview"]
    assert preview.errors == []
    assert counts(preview) == (4, 0, 0, 4)
    assert {d.action for d in preview.duplicates} == {"unchanged"}

    assert import_now(customer_import) == (0, 0, 4)
    assert list(Customer.objects.order_by("pk").values()) == before
    assert list(Customer.tags.through.objects.order_by("pk").values()) == links_before
    assert Customer.history.count() == history_before


def test_export_reads_customers_in_a_constant_number_of_queries(
    manager_client, django_assert_num_queries
):
    tag = TagFactory(name="t")
    for n in range(5):
        CustomerFactory(name=f"C{n}", tags=[tag])
    response = manager_client.get(reverse("customers:export"))
    # The streamed body reads: customers with their owners, then their tags (one chunk).
    with django_assert_num_queries(2):
        body = b"".join(response.streaming_content)
    assert len(rows_of(body)) == 5


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("customers:export"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_staff_cannot_export(staff_client):
    assert staff_client.get(reverse("customers:export")).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_export_is_get_only(manager_client, method):
    assert getattr(manager_client, method)(reverse("customers:export")).status_code == 405
