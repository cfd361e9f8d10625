"""The CSV import's marketing_consent column: yes records consent through the import, no
withdraws it, anything else is a row error that says what to write; and the export's column."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, CustomerImport
from tests.factories import CustomerFactory

from .imports import import_now, worker_runs

pytestmark = pytest.mark.django_db

Source = Customer.ConsentSource
MARCH_3 = datetime.datetime(2026, 3, 3, 10, 0, tzinfo=datetime.UTC)


def upload(client, text: str, duplicates="skip") -> CustomerImport:
    response = client.post(
        reverse("customers:import"),
        {
            "file": SimpleUploadedFile("consent.csv", text.encode(), content_type="text/csv"),
            "duplicates": duplicates,
        },
    )
    assert response.status_code == 302, response.content.decode()
    customer_import = CustomerImport.objects.latest("id")
    worker_runs(customer_import)
    return customer_import


def _consent(email):
    customer = Customer.objects.get(email=email)
    return (
        customer.marketing_consent_at,
        customer.marketing_consent_source,
        customer.marketing_consent_by,
        customer.marketing_consent_withdrawn_at,
    )


@pytest.mark.parametrize("value", ["yes", "YES", "Yes", "true", "TRUE", "1", " yes "])
def test_yes_records_consent_through_the_import_by_the_manager(manager_client, manager_user, value):
    customer_import = upload(
        manager_client, f"name,email,marketing_consent\nAda,a@example.com,{value}\n"
    )

    assert import_now(customer_import, user=manager_user) == (1, 0, 0)
    at, source, by, withdrawn = _consent("a@example.com")
    assert (source, by, withdrawn) == (Source.IMPORT, manager_user, None)
    assert timezone.now() - at < datetime.timedelta(minutes=1)
    # In the audit trail with the import's reason, as the rest of the row is.
    history = Customer.objects.get(email="a@example.com").history.get()
    assert history.marketing_consent_source == Source.IMPORT
    assert history.history_change_reason == "Imported from consent.csv"


@pytest.mark.parametrize("value", ["no", "NO", "false", "False", "0", ""])
def test_no_or_an_empty_cell_leaves_a_new_customer_not_asked(manager_client, manager_user, value):
    customer_import = upload(
        manager_client, f"name,email,marketing_consent\nAda,a@example.com,{value}\n"
    )

    import_now(customer_import, user=manager_user)

    assert _consent("a@example.com") == (None, "", None, None)


def test_the_header_may_be_spelt_as_people_do(manager_client, manager_user):
    customer_import = upload(
        manager_client, "Name,Email,Marketing Consent\nAda,a@example.com,yes\n"
    )

    import_now(customer_import, user=manager_user)

    assert _consent("a@example.com")[1] == Source.IMPORT


@pytest.mark.parametrize(
    "value",
    [
        "ja",  # yes, in German
        "١",  # ARABIC-INDIC DIGIT ONE: a digit to str.isdigit(), not a 1 to a person
        "¹",
        "y",
        "yes please",
        "2",
        "-1",
        "oui",
        "=TRUE()",
        "x" * 500,
    ],
)
def test_anything_but_yes_or_no_is_an_error_naming_the_row_column_and_fix(manager_client, value):
    text = f"name,email,marketing_consent\nAda,a@example.com,yes\nBob,b@example.com,{value}\n"

    customer_import = upload(manager_client, text)

    assert customer_import.state == CustomerImport.State.INVALID
    (error,) = customer_import.preview["errors"]
    assert (error["row"], error["column"]) == (3, "marketing_consent")
    assert "is not yes or no; write yes if they agreed to marketing email" in error["message"]
    page = manager_client.get(customer_import.get_absolute_url()).content.decode()
    assert "Row 3, column marketing_consent:" in page
    assert not Customer.objects.exists()  # all or nothing


def test_a_long_bad_value_is_quoted_cut_short(manager_client):
    customer_import = upload(manager_client, f"name,marketing_consent\nAda,{'x' * 500}\n")

    (error,) = customer_import.preview["errors"]
    assert "x" * 57 + "…" in error["message"]
    assert "x" * 58 not in error["message"]


# Existing customers ---------------------------------------------------------------------------


@pytest.fixture
def existing(db):
    """Four customers as the file's rows find them."""
    return {
        "never": CustomerFactory(name="Never", email="never@example.com"),
        "agreed": CustomerFactory(
            name="Agreed",
            email="agreed@example.com",
            marketing_consent_at=MARCH_3,
            marketing_consent_source=Source.DOUBLE_OPT_IN,
        ),
        "withdrew": CustomerFactory(
            name="Withdrew", email="withdrew@example.com", marketing_consent_withdrawn_at=MARCH_3
        ),
        "other": CustomerFactory(name="Other", email="other@example.com"),
    }


def _file(**cells):
    lines = ["name,email,marketing_consent"]
    lines += [f"{name.title()},{name}@example.com,{value}" for name, value in cells.items()]
    return "\n".join(lines) + "\n"


def test_update_mode_records_yes_for_someone_never_asked(manager_client, manager_user, existing):
    customer_import = upload(manager_client, _file(never="yes", agreed="yes"), "update")

    assert import_now(customer_import, user=manager_user) == (0, 1, 1)
    assert _consent("never@example.com")[1:] == (Source.IMPORT, manager_user, None)
    # Consent already given stands as it was recorded.
    assert _consent("agreed@example.com") == (MARCH_3, Source.DOUBLE_OPT_IN, None, None)


def test_a_files_yes_never_signs_up_someone_who_withdrew(manager_client, manager_user, existing):
    customer_import = upload(manager_client, _file(withdrew="yes"), "update")

    assert import_now(customer_import, user=manager_user) == (0, 0, 1)
    assert _consent("withdrew@example.com") == (None, "", None, MARCH_3)


def test_update_mode_withdraws_consent_on_no(manager_client, manager_user, existing):
    customer_import = upload(manager_client, _file(agreed="no", never="no"), "update")

    assert import_now(customer_import, user=manager_user) == (0, 1, 1)
    at, source, by, withdrawn = _consent("agreed@example.com")
    assert (at, source, by) == (None, "", None)
    assert timezone.now() - withdrawn < datetime.timedelta(minutes=1)
    # Never asked stays never asked: an exported "no" imports unchanged.
    assert _consent("never@example.com") == (None, "", None, None)
    agreed = Customer.objects.get(email="agreed@example.com")
    assert agreed.history.first().history_change_reason == "Imported from consent.csv"
    assert agreed.email_opt_out is False


def test_an_empty_cell_leaves_consent_as_it_is(manager_client, manager_user, existing):
    customer_import = upload(manager_client, _file(agreed="", withdrew=""), "update")

    assert import_now(customer_import, user=manager_user) == (0, 0, 2)
    assert _consent("agreed@example.com")[:2] == (MARCH_3, Source.DOUBLE_OPT_IN)
    assert _consent("withdrew@example.com")[3] == MARCH_3


def test_skip_mode_leaves_existing_customers_consent_alone(manager_client, manager_user, existing):
    customer_import = upload(manager_client, _file(never="yes", agreed="no"))

    assert import_now(customer_import, user=manager_user) == (0, 0, 2)
    assert _consent("never@example.com") == (None, "", None, None)
    assert _consent("agreed@example.com")[:2] == (MARCH_3, Source.DOUBLE_OPT_IN)


def test_the_preview_counts_a_consent_change_as_an_update(manager_client, existing):
    customer_import = upload(manager_client, _file(never="yes", agreed="yes", other=""), "update")

    preview = customer_import.preview
    assert (preview["to_update"], preview["to_skip"]) == (1, 2)
    # Checking wrote nothing.
    assert _consent("never@example.com") == (None, "", None, None)


# Export --------------------------------------------------------------------------------------


def test_the_export_writes_recorded_consent_as_yes_or_no(manager_client, existing):
    response = manager_client.get(reverse("customers:export"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = text.strip().split("\r\n")

    assert header.endswith(",email_opt_out,language,marketing_consent")
    by_name = {row.split(",")[0]: row.rsplit(",", 1)[1] for row in rows}
    assert by_name == {"Agreed": "yes", "Never": "no", "Other": "no", "Withdrew": "no"}
