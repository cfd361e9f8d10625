import datetime
import re
import threading

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from customers import imports
from customers.models import Customer, CustomerImport, Tag
from tests.factories import CustomerFactory, TagFactory, UserFactory

HEADER = "name,company,email,phone,status,owner,tags,customer_since,checkin_cadence_days"


def upload(client, content, *, duplicates="skip", name="customers.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        reverse("customers:import"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "duplicates": duplicates},
    )


def upload_ok(client, content, **kwargs) -> CustomerImport:
    response = upload(client, content, **kwargs)
    assert response.status_code == 302, response.content.decode()
    customer_import = CustomerImport.objects.latest("id")
    assert response.url == reverse("customers:import-preview", args=[customer_import.pk])
    return customer_import


def preview_url(customer_import):
    return reverse("customers:import-preview", args=[customer_import.pk])


def confirm(client, customer_import):
    return client.post(preview_url(customer_import))


def counts(preview) -> tuple[int, int, int, int]:
    """(rows, to create, to update, to skip)"""
    return preview.row_count, preview.to_create, preview.to_update, preview.to_skip


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def errors_of(text, duplicates="skip"):
    return [str(error) for error in imports.validate_import(text, duplicates).errors]


# The happy path -----------------------------------------------------------------------------


def test_clean_file_imports_every_row_with_its_fields_tags_owner_and_checkin_date(
    manager_client, manager_user, staff_user
):
    TagFactory(name="VIP")
    text = (
        "Name , Company,EMAIL,phone,preferred_channel,temperament,expectations,unmet_wants,"
        "customer_since,segment,status,owner,tags,checkin_cadence_days,birthday,email_opt_out\n"
        "Ada Lovelace,Engines Ltd, Ada@Example.COM ,+44 20 7946 0000,Phone,analytical,"
        "Call before noon,Weekend opening,2024-01-15,established,At risk,sam,vip|Weekly,30,"
        "1815-12-10,yes\n"
        "Brian Bare,,,,,,,,,,,,,,,\n"
    )
    customer_import = upload_ok(manager_client, text)
    assert customer_import.created_by == manager_user
    assert customer_import.filename == "customers.csv"
    assert customer_import.text == text
    assert customer_import.duplicates == "skip"

    response = manager_client.get(preview_url(customer_import))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert counts(preview) == (2, 2, 0, 0)
    assert preview.errors == []
    assert "Import 2 customers" in response.content.decode()

    response = confirm(manager_client, customer_import)
    assert response.status_code == 302
    assert response.url == reverse("customers:list")
    assert messages_of(response) == [
        "Import done: 2 added, 0 updated, 0 existing left as they were."
    ]

    ada = Customer.objects.get(name="Ada Lovelace")
    assert ada.company == "Engines Ltd"
    assert ada.email == "ada@example.com"
    assert ada.phone == "+44 20 7946 0000"
    assert ada.preferred_channel == Customer.Channel.PHONE
    assert ada.temperament == Customer.Temperament.ANALYTICAL
    assert ada.expectations == "Call before noon"
    assert ada.unmet_wants == "Weekend opening"
    assert ada.customer_since == datetime.date(2024, 1, 15)
    assert ada.segment == Customer.Segment.ESTABLISHED
    assert ada.status == Customer.Status.AT_RISK
    assert ada.owner == staff_user
    assert ada.checkin_cadence_days == 30
    assert ada.birthday == datetime.date(1815, 12, 10)
    assert ada.email_opt_out is True
    assert ada.next_checkin_due == datetime.date(2024, 2, 14)
    # "vip" found the existing "VIP" tag; "Weekly" was created.
    assert sorted(tag.name for tag in ada.tags.all()) == ["VIP", "Weekly"]
    assert Tag.objects.count() == 2
    (record,) = ada.history.all()
    assert (record.history_type, record.history_user) == ("+", manager_user)
    assert record.history_change_reason == "Imported from customers.csv"
    assert timezone.now() - record.history_date < datetime.timedelta(minutes=1)
    assert (record.name, record.status) == ("Ada Lovelace", "at_risk")

    brian = Customer.objects.get(name="Brian Bare")
    assert brian.email == ""
    assert brian.owner is None
    assert brian.status == Customer.Status.ACTIVE
    assert brian.temperament == Customer.Temperament.UNKNOWN
    assert brian.email_opt_out is False
    assert brian.customer_since == timezone.localdate()
    assert brian.next_checkin_due == brian.compute_next_checkin_due()
    assert brian.next_checkin_due is not None
    assert list(brian.tags.all()) == []

    customer_import.refresh_from_db()
    assert customer_import.imported_at is not None
    assert (customer_import.created_count, customer_import.updated_count) == (2, 0)
    assert customer_import.skipped_count == 0


def test_utf8_file_with_bom_imports_the_first_column(manager_client):
    data = "\ufeffname,email\nZoë Café,zoe@example.com\n".encode()
    assert data.startswith(b"\xef\xbb\xbf")
    customer_import = upload_ok(manager_client, data)
    assert customer_import.text == "name,email\nZoë Café,zoe@example.com\n"
    confirm(manager_client, customer_import)
    assert Customer.objects.get().name == "Zoë Café"


def test_semicolon_delimited_file_is_read(manager_client):
    text = "name;company;tags\nLe Bon, Marché;Paris, France;a,b\n"
    confirm(manager_client, upload_ok(manager_client, text))
    customer = Customer.objects.get()
    assert (customer.name, customer.company) == ("Le Bon, Marché", "Paris, France")
    assert sorted(tag.name for tag in customer.tags.all()) == ["a", "b"]


def test_quoted_fields_may_hold_newlines_delimiters_and_quotes(manager_client):
    text = (
        "name,expectations,email\r\n"
        '"Smith, ""Jo""","Line one\r\nLine two, with a comma",jo@example.com\r\n'
        'Second,"",second@example.com\r\n'
    )
    preview = imports.validate_import(text, "skip")
    assert (preview.row_count, preview.errors) == (2, [])
    confirm(manager_client, upload_ok(manager_client, text))
    jo = Customer.objects.get(email="jo@example.com")
    assert jo.name == 'Smith, "Jo"'
    assert jo.expectations == "Line one\r\nLine two, with a comma"
    assert Customer.objects.filter(name="Second").exists()


def test_choice_columns_take_values_or_labels_in_any_case(db):
    text = "name,status,preferred_channel,segment,email_opt_out\nA,LOST,text message,NEW,No\n"
    customer_import = imports.import_upload_create(
        created_by=None, filename="x.csv", text=text, duplicates="skip"
    )
    assert imports.import_customers(customer_import) == imports.ImportResult(1, 0, 0)
    customer = Customer.objects.get()
    assert customer.status == "lost"
    assert customer.preferred_channel == "sms"
    assert customer.segment == "new"
    assert customer.email_opt_out is False


# Refused files ------------------------------------------------------------------------------


def test_file_that_is_not_utf8_is_refused_with_how_to_save_it(manager_client):
    response = upload(manager_client, "name\nZoë Café\n".encode("cp1252"))
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors == [
        'The file is not UTF-8 text. Open it in your spreadsheet and save it as "CSV UTF-8" '
        '(in Excel: File › Save As › "CSV UTF-8 (Comma delimited)"), then upload that file.'
    ]
    assert escape(errors[0]) in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_utf16_file_is_refused_as_not_utf8(manager_client):
    response = upload(manager_client, "name\nAda\n".encode("utf-16-le"))
    assert response.context["form"].errors["file"][0].startswith("The file is not UTF-8 text.")


def test_excel_workbook_is_refused(manager_client):
    response = upload(manager_client, b"PK\x03\x04rest-of-a-zip", name="customers.xlsx")
    assert (
        response.context["form"]
        .errors["file"][0]
        .startswith("This is a spreadsheet workbook, not a CSV file.")
    )


def test_file_over_the_size_limit_is_refused(manager_client, settings):
    settings.CUSTOMER_IMPORT_MAX_BYTES = 1024 * 1024
    big = "name\n" + "x" * (1024 * 1024 + 512 * 1024)
    response = upload(manager_client, big)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is 1.5 MB; the limit is 1 MB."]
    assert "The file is 1.5 MB; the limit is 1 MB." in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_empty_file_is_refused(manager_client):
    response = upload(manager_client, b"  \n")
    assert response.context["form"].errors["file"] == ["The file is empty."]


# Bad rows -----------------------------------------------------------------------------------


def test_every_bad_row_is_listed_with_row_column_value_and_fix_and_nothing_is_imported(
    manager_client, staff_user
):
    UserFactory(username="gone", is_active=False)
    text = (
        "name,email,customer_since,status,owner,checkin_cadence_days,email_opt_out,birthday,"
        "temperament,phone,tags\n"
        "Good Row,good@example.com,2024-01-01,active,sam,30,no,,,,\n"  # row 2: fine
        ",empty-name@example.com,,,,,,,,,\n"  # row 3
        "Bad Date,bad-date@example.com,31/02/2024,,,,,,,,\n"  # row 4
        "Bad Email,not-an-email,,,,,,,,,\n"  # row 5
        "Bad Choices,,,Archived,,,,,grumpy,,\n"  # row 6
        "Bad Owner,,,,gone,0,maybe,2024-02-30,,,\n"  # row 7
        f"Long Phone,,,,,,,,,{'1' * 41},{'t' * 51}\n"  # row 8
        "Again,GOOD@example.com,,,,,,,,,\n"  # row 9
        "Too many,,,,,,,,,,,surprise\n"  # row 10
    )
    expected = [
        "Row 3, column name: the name is empty; every customer needs a name.",
        "Row 4, column customer_since: '31/02/2024' is not a date; write it as YYYY-MM-DD.",
        "Row 5, column email: 'not-an-email' is not an email address; correct it or leave "
        "the cell empty.",
        "Row 6, column status: 'Archived' is not one of the allowed values; write one of: "
        "prospect, active, at_risk, lost.",
        "Row 6, column temperament: 'grumpy' is not one of the allowed values; write one of: "
        "driver, analytical, amiable, expressive, unknown.",
        "Row 7, column owner: 'gone' is not the username of an active staff member or "
        "manager; write their username, or leave the cell empty for nobody.",
        "Row 7, column checkin_cadence_days: '0' is not a number of days from 1 to 3650; "
        "write a whole number, or leave the cell empty for the segment's default.",
        "Row 7, column email_opt_out: 'maybe' is not yes or no; write yes or no.",
        "Row 7, column birthday: '2024-02-30' is not a date; write it as YYYY-MM-DD.",
        f"Row 8, column phone: '{'1' * 41}' is 41 characters long; shorten it to 40.",
        f"Row 8, column tags: the tag '{'t' * 51}' is longer than 50 characters; shorten it.",
        "Row 9, column email: same email as row 2; merge the two rows.",
        "Row 10: the row has 12 cells but the header has 11; put any value that contains a "
        "comma or semicolon in double quotes.",
    ]
    customer_import = upload_ok(manager_client, text)
    response = manager_client.get(preview_url(customer_import))
    preview = response.context["preview"]
    assert [str(error) for error in preview.errors] == expected
    assert preview.errors[1].row == 4
    assert preview.errors[1].column == "customer_since"
    assert preview.errors[1].value == "31/02/2024"
    assert preview.row_count == 9
    page = response.content.decode()
    for message in expected:
        assert escape(message) in page
    assert "13 problems to fix" in page
    assert 'type="submit"' not in page.split("<main")[1]
    assert reverse("customers:import") in page  # upload a fixed file

    # Confirming anyway (a stale tab) imports nothing and leaves the upload unclaimed.
    response = confirm(manager_client, customer_import)
    assert response.status_code == 200
    assert len(response.context["preview"].errors) == 13
    assert not Customer.objects.exists()
    customer_import.refresh_from_db()
    assert customer_import.imported_at is None


def test_unknown_column_is_an_error_listing_the_allowed_columns(manager_client):
    customer_import = upload_ok(manager_client, "name,Fax Number,email\nAda,123,a@example.com\n")
    response = manager_client.get(preview_url(customer_import))
    message = (
        "Row 1, column Fax Number: 'Fax Number' is not a column Rapport knows; rename or "
        "delete it. The columns are: name, company, email, phone, preferred_channel, "
        "temperament, expectations, unmet_wants, customer_since, segment, status, owner, tags, "
        "checkin_cadence_days, birthday, email_opt_out."
    )
    assert [str(e) for e in response.context["preview"].errors] == [message]
    assert escape(message) in response.content.decode()


def test_header_must_have_a_name_column_and_no_repeats(db):
    assert errors_of("company,email,Email\nAcme,a@example.com,b@example.com\n") == [
        "Row 1, column email: the column appears twice; delete one of them.",
        "Row 1, column name: there is no name column; add one, because every customer "
        "needs a name.",
    ]


def test_header_without_rows_is_an_error(db):
    assert errors_of("name,email\n\n") == [
        "Row 1: there are no customers below the header; add one row for each."
    ]


def test_blank_lines_are_skipped_but_still_counted_as_rows(db):
    preview = imports.validate_import("name,email\nAda,a@example.com\n\n,\nBob,bad\n", "skip")
    assert preview.row_count == 2
    assert [str(e) for e in preview.errors] == [
        "Row 5, column email: 'bad' is not an email address; correct it or leave the cell empty."
    ]


def test_unclosed_quote_is_reported_not_a_crash(db):
    errors = errors_of('name,expectations\nAda,"never closed\n' + "x" * 200_000 + "\n")
    assert len(errors) == 1
    assert errors[0].startswith("Row 2: the file cannot be read from this row on")


def test_confirm_rechecks_rows_and_imports_nothing_if_an_owner_left(manager_client, staff_user):
    customer_import = upload_ok(manager_client, "name,owner\nAda,sam\nBob,\n")
    assert manager_client.get(preview_url(customer_import)).context["preview"].errors == []
    staff_user.is_active = False
    staff_user.save()
    response = confirm(manager_client, customer_import)
    assert response.status_code == 200
    assert [str(e) for e in response.context["preview"].errors] == [
        "Row 2, column owner: 'sam' is not the username of an active staff member or manager; "
        "write their username, or leave the cell empty for nobody."
    ]
    assert not Customer.objects.exists()


# Duplicates ---------------------------------------------------------------------------------


def test_skip_mode_leaves_existing_customers_as_they_are_and_names_them(manager_client):
    existing = CustomerFactory(name="Old Name", email="ada@example.com", company="Old Co")
    text = "name,email,company\nNew Name,ADA@example.com,New Co\nBob,bob@example.com,Bob Co\n"
    customer_import = upload_ok(manager_client, text, duplicates="skip")

    response = manager_client.get(preview_url(customer_import))
    preview = response.context["preview"]
    assert counts(preview) == (2, 1, 0, 1)
    assert preview.duplicates == [
        imports.Duplicate(2, "ada@example.com", existing.pk, "Old Name", "skip")
    ]
    page = response.content.decode()
    assert f'href="{existing.get_absolute_url()}">Old Name</a>' in page
    assert re.search(r"Import 1 customer\s*</button>", page)

    confirm(manager_client, customer_import)
    existing.refresh_from_db()
    assert (existing.name, existing.company) == ("Old Name", "Old Co")
    assert Customer.objects.count() == 2
    customer_import.refresh_from_db()
    stored = (
        customer_import.created_count,
        customer_import.updated_count,
        customer_import.skipped_count,
    )
    assert stored == (1, 0, 1)


def test_update_mode_applies_the_rows_filled_in_cells_to_the_existing_customer(
    manager_client, manager_user, staff_user
):
    old_tag, kept_tag = TagFactory(name="old"), TagFactory(name="kept")
    existing = CustomerFactory(
        name="Old Name",
        email="ada@example.com",
        company="Old Co",
        phone="0123",
        owner=None,
        customer_since=datetime.date(2020, 1, 1),
        checkin_cadence_days=None,
        next_checkin_due=datetime.date(2020, 3, 1),
    )
    existing.tags.set([old_tag, kept_tag])
    untouched = CustomerFactory(email="bob@example.com", name="Bob", company="Bob Co")
    untouched_before = Customer.objects.filter(pk=untouched.pk).values().get()
    text = (
        "name,email,company,phone,owner,tags,checkin_cadence_days,status,email_opt_out,birthday\n"
        "New Name,Ada@Example.com,,,sam,kept|fresh,10,Lost,yes,1990-05-06\n"  # blanks: kept
        "Bob,bob@example.com,Bob Co,,,,,,,\n"  # same values: nothing to change
        "Cy,cy@example.com,,,,,,,,\n"
    )
    customer_import = upload_ok(manager_client, text, duplicates="update")
    preview = manager_client.get(preview_url(customer_import)).context["preview"]
    assert (preview.to_create, preview.to_update, preview.to_skip) == (1, 1, 1)
    assert [(d.row, d.customer_name, d.action) for d in preview.duplicates] == [
        (2, "Old Name", "update"),
        (3, "Bob", "unchanged"),
    ]

    response = confirm(manager_client, customer_import)
    assert messages_of(response) == [
        "Import done: 1 added, 1 updated, 1 existing left as they were."
    ]
    existing.refresh_from_db()
    assert existing.name == "New Name"
    assert existing.company == "Old Co"
    assert existing.phone == "0123"
    assert existing.owner == staff_user
    assert existing.checkin_cadence_days == 10
    assert existing.next_checkin_due == datetime.date(2020, 1, 11)
    assert existing.status == Customer.Status.LOST
    assert existing.email_opt_out is True
    assert existing.birthday == datetime.date(1990, 5, 6)
    assert existing.customer_since == datetime.date(2020, 1, 1)
    assert existing.updated_at > untouched_before["updated_at"]
    assert sorted(t.name for t in existing.tags.all()) == ["fresh", "kept"]
    assert Customer.objects.filter(pk=untouched.pk).values().get() == untouched_before
    assert Customer.objects.count() == 3
    record = existing.history.latest()
    assert (record.history_type, record.history_user) == ("~", manager_user)
    assert (record.name, record.owner_id, record.status) == ("New Name", staff_user.pk, "lost")
    assert untouched.history.count() == 1  # its creation only


def test_second_row_with_the_same_email_in_the_file_is_an_error_in_both_modes(db):
    text = "name,email\nA,a@example.com\nB,b@example.com\nC,c@example.com\nD, A@EXAMPLE.COM\n"
    for mode in ("skip", "update"):
        assert errors_of(text, mode) == [
            "Row 5, column email: same email as row 2; merge the two rows."
        ]


def test_duplicates_are_found_across_chunks(db, monkeypatch):
    monkeypatch.setattr(imports.preview, "CHUNK_SIZE", 2)
    CustomerFactory(email="c@example.com", name="Existing C")
    text = "name,email\nA,a@example.com\nB,b@example.com\nC,c@example.com\nD,\nE,a@example.com\n"
    preview = imports.validate_import(text, "skip")
    assert [str(e) for e in preview.errors] == [
        "Row 6, column email: same email as row 2; merge the two rows."
    ]
    assert (preview.to_create, preview.to_skip) == (3, 1)

    customer_import = imports.import_upload_create(
        created_by=None, filename="x.csv", text=text.replace("E,a@", "E,e@"), duplicates="update"
    )
    assert imports.import_customers(customer_import) == imports.ImportResult(4, 1, 0)
    assert Customer.objects.get(email="c@example.com").name == "C"
    assert Customer.objects.count() == 5


# Once means once ----------------------------------------------------------------------------


def test_a_long_file_name_still_fits_the_audit_trail(db, manager_user):
    customer_import = imports.import_upload_create(
        created_by=manager_user, filename="x" * 250 + ".csv", text="name\nAda\n", duplicates="skip"
    )
    imports.import_customers(customer_import)
    record = Customer.objects.get().history.get()
    assert record.history_change_reason == "Imported from " + "x" * 86
    assert record.history_user == manager_user


def test_confirming_twice_imports_once(manager_client):
    customer_import = upload_ok(manager_client, "name,email\nAda,ada@example.com\nBob,\n")
    assert confirm(manager_client, customer_import).status_code == 302
    response = confirm(manager_client, customer_import)
    assert response.status_code == 302
    assert response.url == reverse("customers:list")
    # The first confirm's message is still queued: nobody followed its redirect.
    assert messages_of(response)[-1] == (
        "This file was imported already; nothing was imported again."
    )
    assert Customer.objects.count() == 2
    with pytest.raises(imports.AlreadyImported):
        imports.import_customers(customer_import)
    assert Customer.objects.count() == 2

    page = manager_client.get(preview_url(customer_import)).content.decode()
    assert "2 added, 0 updated, 0 existing left as they were." in page
    assert 'type="submit"' not in page.split("<main")[1]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirms_import_once():
    text = "name,email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(300))
    customer_import = imports.import_upload_create(
        created_by=None, filename="x.csv", text=text, duplicates="skip"
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm_in_thread():
        try:
            barrier.wait()
            outcomes.append(imports.import_customers(CustomerImport.objects.get()))
        except imports.AlreadyImported:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2
    assert "already" in outcomes
    assert imports.ImportResult(300, 0, 0) in outcomes
    assert Customer.objects.count() == 300
    customer_import.refresh_from_db()
    assert customer_import.created_count == 300


def test_import_query_count_does_not_grow_with_the_rows(db, staff_user):
    def queries_for(rows):
        text = "name,email,owner,tags\n" + "".join(
            f"P{n},p{n}-{rows}@example.com,sam,t{n % 3}-{rows}|all-{rows}\n" for n in range(rows)
        )
        customer_import = imports.import_upload_create(
            created_by=None, filename="x.csv", text=text, duplicates="skip"
        )
        with CaptureQueriesContext(connection) as captured:
            imports.import_customers(customer_import)
        return len(captured)

    # Rows stay under one INSERT batch even on SQLite (999 parameters / 20 columns).
    assert queries_for(5) == queries_for(40)
    assert Customer.objects.count() == 45


# Permissions --------------------------------------------------------------------------------


@pytest.fixture
def pending_import(manager_user):
    return imports.import_upload_create(
        created_by=manager_user, filename="c.csv", text="name\nAda\n", duplicates="skip"
    )


@pytest.mark.parametrize(
    ("method", "url_name"),
    [("get", "import"), ("post", "import"), ("get", "preview"), ("post", "preview")],
)
def test_anonymous_is_sent_to_log_in(client, pending_import, method, url_name):
    url = reverse("customers:import") if url_name == "import" else preview_url(pending_import)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("method", "url_name"),
    [("get", "import"), ("post", "import"), ("get", "preview"), ("post", "preview")],
)
def test_staff_cannot_import(staff_client, pending_import, method, url_name):
    url = reverse("customers:import") if url_name == "import" else preview_url(pending_import)
    assert getattr(staff_client, method)(url).status_code == 403
    assert not Customer.objects.exists()
    assert CustomerImport.objects.count() == 1


def test_manager_sees_the_upload_form(manager_client):
    response = manager_client.get(reverse("customers:import"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="file"' in page
    assert 'value="skip"' in page and 'value="update"' in page


def test_any_manager_may_preview_and_confirm_an_upload(pending_import):
    from django.test import Client

    other_manager = Client()
    other_manager.force_login(UserFactory(username="max", role="Manager"))
    assert other_manager.get(preview_url(pending_import)).status_code == 200
    assert other_manager.post(preview_url(pending_import)).status_code == 302
    assert Customer.objects.get().name == "Ada"


def test_unknown_import_is_404(manager_client):
    url = reverse("customers:import-preview", args=[999999])
    assert manager_client.get(url).status_code == 404
    assert manager_client.post(url).status_code == 404


def test_preview_escapes_values_from_the_file(manager_client):
    existing = CustomerFactory(email="x@example.com", name="<b>Existing</b>")
    text = "name,email,status\nAda,x@example.com,\nBad,<script>alert(1)</script>,<i>no</i>\n"
    page = manager_client.get(preview_url(upload_ok(manager_client, text))).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<i>no</i>" not in page
    assert "&lt;i&gt;no&lt;/i&gt;" in page
    assert escape(existing.name) in page


def test_a_column_without_a_name_is_ignored_unless_it_holds_values(db):
    preview = imports.validate_import("name,,email,\nAda,,a@example.com,\nBob,oops,,\n", "skip")
    assert counts(preview) == (2, 1, 0, 0)
    assert [str(e) for e in preview.errors] == [
        "Row 3: there is a value under a column with no name; name the column in row 1 or "
        "delete the value."
    ]
