"""The subject access export: everything Rapport holds about one customer, in one archive."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from privacy import discovery
from privacy.export import customer_archive
from tests.factories import CustomerFactory

from .every_table import EMAIL, MARKER, MENTION_ONLY, NAME, PHONE, unlisted_tables

pytestmark = pytest.mark.django_db


def archive_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_archive_holds_every_value_of_every_table(filled):
    files = archive_files(customer_archive(filled.customer))
    everything = b"\n".join(files.values()).decode("utf-8", errors="replace")

    missing = [value for value in filled.values if value not in everything]
    assert missing == []
    tables = json.loads(files["data.json"])["tables"]
    # Through tables are shown as lists on their rows.
    assert set(tables) >= filled.tables - MENTION_ONLY - {"inbound.InboundMessage_interactions"}


def test_every_table_is_filled_or_said_to_hold_no_customer_data(filled):
    assert unlisted_tables(filled, discovery.searched_models()) == []


def test_the_archive_has_a_readable_summary_json_csv_and_the_emails_as_received(filled):
    files = archive_files(customer_archive(filled.customer))

    summary = files["summary.html"].decode()
    assert f"What Rapport holds about {NAME}" in summary
    assert "Historical interactions" in summary
    assert "csv/customers.customer.csv" in files
    assert "csv/interactions.historicalinteraction.csv" in files
    emails = [files[name] for name in files if name.startswith("files/")]
    assert len(emails) == 2  # filed on their timeline, and one from their address unmatched
    assert any(eml.startswith(f"From: {NAME} <{EMAIL}>".encode()) for eml in emails)
    data = json.loads(files["data.json"])
    (customer,) = data["tables"]["customers.Customer"]
    assert (customer["name"], customer["email"], customer["phone"]) == (NAME, EMAIL, PHONE)
    assert customer["tags"] == ["weekly"]
    assert customer["owner"] == "Sam Staff"  # people by name, not by id


def test_the_archive_leaves_out_link_hashes_and_private_links(filled):
    files = archive_files(customer_archive(filled.customer))
    data = json.loads(files["data.json"])["tables"]

    assert all("token_hash" not in row for row in data["voice.Survey"])
    assert all("token_hash" not in row for row in data["interactions.CaseLink"])
    assert all("client_hash" not in row for row in data["voice.FeedbackSubmission"])


def test_a_secret_email_is_exported_without_its_body(filled):
    from core.models import OutgoingEmail

    OutgoingEmail.objects.filter(kind="complaint-acknowledgement").update(secret=True)
    data = json.loads(archive_files(customer_archive(filled.customer))["data.json"])
    (email,) = [e for e in data["tables"]["crm.OutgoingEmail"] if e["kind"].startswith("complaint")]

    assert email["body_text"] == "(left out: it held a private link)"


def test_another_customers_data_is_not_in_the_archive(filled, staff_user):
    other = CustomerFactory(name="Other Person", email="other.person@example.com", owner=staff_user)
    files = archive_files(customer_archive(filled.customer))
    everything = b"\n".join(files.values())

    assert b"other.person@example.com" not in everything
    assert MARKER.encode() not in b"\n".join(archive_files(customer_archive(other)).values())


def test_a_manager_downloads_the_archive(manager_client, filled):
    response = manager_client.get(reverse("customers:data-export", args=[filled.customer.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="customer-{filled.customer.pk}-data-'
    )
    assert "no-store" in response["Cache-Control"]
    assert "summary.html" in archive_files(response.content)


def test_staff_may_not_download_it(staff_client, filled):
    response = staff_client.get(reverse("customers:data-export", args=[filled.customer.pk]))

    assert response.status_code == 403


@pytest.mark.parametrize("pk", ["١٢", "1" * 40, "0", "12a"])
def test_a_bad_id_is_not_found(manager_client, pk):
    assert manager_client.get(f"/customers/{pk}/data-export/").status_code == 404


def test_a_customer_with_markup_in_their_name_is_escaped_in_the_summary(manager_user):
    customer = CustomerFactory(name='<script>alert("x")</script>', owner=manager_user)
    summary = archive_files(customer_archive(customer))["summary.html"].decode()

    assert "<script>alert" not in summary
    assert "&lt;script&gt;" in summary
