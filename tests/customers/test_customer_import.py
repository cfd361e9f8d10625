import datetime
import re
import threading

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from customers import imports
from customers.models import Customer, CustomerImport, Tag
from tests.factories import CustomerFactory, TagFactory, UserFactory

from .imports import import_now, worker_runs

HEADER = "name,company,email,phone,status,owner,tags,customer_since,checkin_cadence_days"


def upload(client, content, *, duplicates="skip", name="customers.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        reverse("customers:import"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "duplicates": duplicates},
    )


def upload_ok(client, content, **kwargs) -> CustomerImport:
    """Upload through the page, and have the file checked as the worker checks it."""
    response = upload(client, content, **kwargs)
    assert response.status_code == 302, response.content.decode()
    customer_import = CustomerImport.objects.latest("id")
    assert response.url == reverse("customers:import-preview", args=[customer_import.pk])
    assert customer_import.state == CustomerImport.State.CHECKING
    worker_runs(customer_import)
    return customer_import


def preview_url(customer_import):
    return reverse("customers:import-preview", args=[customer_import.pk])


def confirm(client, customer_import):
    """Confirm through the page, and have the worker import it."""
    response = client.post(preview_url(customer_import), {"action": "import"})
    worker_runs(customer_import)
    return response


def result_on_page(client, customer_import) -> str:
    page = client.get(preview_url(customer_import)).content.decode()
    return re.search(r"Imported [^<]*?\d\d:\d\d: ([^<.]*)", page).group(1).strip()


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
    assert response.url == preview_url(customer_import)
    assert messages_of(response) == ["The import has started. You may leave this page: it goes on."]
    assert result_on_page(manager_client, customer_import) == (
        "2 added, 0 updated, 0 existing left as they were"
    )

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
    assert customer_import.imported_by == manager_user
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
    assert import_now(customer_import) == (1, 0, 0)
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
    assert response.status_code == 302
    assert messages_of(response) == ["This file has problems to fix, so nothing was imported."]
    assert not Customer.objects.exists()
    customer_import.refresh_from_db()
    assert (customer_import.state, customer_import.imported_at) == ("invalid", None)


def test_unknown_column_is_an_error_listing_the_allowed_columns(manager_client):
    customer_import = upload_ok(manager_client, "name,Fax Number,email\nAda,123,a@example.com\n")
    response = manager_client.get(preview_url(customer_import))
    message = (
        "Row 1, column Fax Number: 'Fax Number' is not a column Rapport knows; rename or "
        "delete it. The columns are: name, company, email, phone, preferred_channel, "
        "temperament, expectations, unmet_wants, customer_since, segment, status, owner, tags, "
        "checkin_cadence_days, birthday, email_opt_out, language, marketing_consent."
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
    confirm(manager_client, customer_import)
    assert customer_import.state == CustomerImport.State.INVALID
    response = manager_client.get(preview_url(customer_import))
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

    confirm(manager_client, customer_import)
    assert result_on_page(manager_client, customer_import) == (
        "1 added, 1 updated, 1 existing left as they were"
    )
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
    assert import_now(customer_import) == (4, 1, 0)
    assert Customer.objects.get(email="c@example.com").name == "C"
    assert Customer.objects.count() == 5


# Once means once ----------------------------------------------------------------------------


def test_a_long_file_name_still_fits_the_audit_trail(db, manager_user):
    customer_import = imports.import_upload_create(
        created_by=manager_user, filename="x" * 250 + ".csv", text="name\nAda\n", duplicates="skip"
    )
    import_now(customer_import, user=manager_user)
    record = Customer.objects.get().history.get()
    assert record.history_change_reason == "Imported from " + "x" * 86
    assert record.history_user == manager_user


def test_confirming_twice_imports_once(manager_client):
    customer_import = upload_ok(manager_client, "name,email\nAda,ada@example.com\nBob,\n")
    assert confirm(manager_client, customer_import).status_code == 302
    response = confirm(manager_client, customer_import)
    assert response.status_code == 302
    assert response.url == preview_url(customer_import)
    # The first confirm's message is still queued: nobody followed its redirect.
    assert messages_of(response)[-1] == (
        "This file was confirmed already; it is not imported a second time."
    )
    assert Customer.objects.count() == 2
    assert imports.import_run(customer_import.pk) == imports.Outcome.NOTHING
    assert Customer.objects.count() == 2

    page = manager_client.get(preview_url(customer_import)).content.decode()
    assert "2 added, 0 updated, 0 existing left as they were." in page
    assert 'type="submit"' not in page.split("<main")[1]


def test_a_redelivered_import_task_imports_nothing_more(db, manager_user):
    customer_import = imports.import_upload_create(
        created_by=manager_user, filename="x.csv", text="name\nAda\n", duplicates="skip"
    )
    assert imports.import_run(customer_import.pk) == imports.Outcome.NOTHING  # not confirmed
    assert import_now(customer_import) == (1, 0, 0)
    assert imports.import_run(customer_import.pk) == imports.Outcome.NOTHING
    assert imports.import_check(customer_import.pk) is None
    assert Customer.objects.count() == 1


def _at_once(work, times=2):
    """Run ``work`` in ``times`` threads released together; what each returned."""
    barrier = threading.Barrier(times)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirms_and_imports_import_once(manager_user):
    text = "name,email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(300))
    customer_import = imports.import_upload_create(
        created_by=None, filename="x.csv", text=text, duplicates="skip"
    )
    imports.import_check(customer_import.pk)
    confirmed = _at_once(lambda: imports.import_confirm(customer_import, user=manager_user))
    assert sorted(confirmed) == [False, True]

    outcomes = _at_once(lambda: imports.import_run(customer_import.pk))
    assert sorted(outcomes) == [imports.Outcome.IMPORTED, imports.Outcome.NOTHING]
    assert Customer.objects.count() == 300
    customer_import.refresh_from_db()
    assert (customer_import.state, customer_import.created_count) == ("imported", 300)


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_outside_the_import_while_it_runs(monkeypatch, manager_user):
    monkeypatch.setattr(imports.preview, "CHUNK_SIZE", 2)
    text = "name\n" + "".join(f"P{n}\n" for n in range(5))
    customer_import = imports.import_upload_create(
        created_by=None, filename="x.csv", text=text, duplicates="skip"
    )
    assert customer_import.rows_total == 5
    imports.import_check(customer_import.pk)
    imports.import_confirm(customer_import, user=manager_user)
    onlooker = connections.create_connection("default")
    seen = []
    report = imports.jobs.Progress.__call__

    def report_and_look(progress, rows_done):
        report(progress, rows_done)
        with onlooker.cursor() as cursor:
            cursor.execute(
                "SELECT rows_done, (SELECT count(*) FROM customers_customer) "
                "FROM customers_customerimport WHERE id = %s",
                [customer_import.pk],
            )
            seen.append(cursor.fetchone())

    monkeypatch.setattr(imports.jobs.Progress, "__call__", report_and_look)
    try:
        assert imports.import_run(customer_import.pk) == imports.Outcome.IMPORTED
    finally:
        onlooker.close()
    # The page sees the rows counted while none of the customers is there yet: all or nothing.
    assert seen == [(2, 0), (4, 0), (5, 0)]
    customer_import.refresh_from_db()
    assert (customer_import.rows_done, customer_import.percent_done) == (5, 100)


def test_customers_added_meanwhile_send_the_file_back_to_be_checked(db, manager_user, monkeypatch):
    customer_import = imports.import_upload_create(
        created_by=None,
        filename="x.csv",
        text="name,email\nAda,ada@example.com\n",
        duplicates="skip",
    )
    imports.import_check(customer_import.pk)
    imports.import_confirm(customer_import, user=manager_user)
    # Ada arrives between the import's look-up of existing emails and its insert.
    find = imports.preview._existing_by_email

    def find_then_ada_arrives(emails, **kwargs):
        found = find(emails, **kwargs)
        CustomerFactory(name="Ada from the form", email="ada@example.com")
        return found

    monkeypatch.setattr(imports.preview, "_existing_by_email", find_then_ada_arrives)
    assert imports.import_run(customer_import.pk) == imports.Outcome.RECHECK
    monkeypatch.undo()
    assert list(Customer.objects.values_list("name", flat=True)) == []  # rolled back with it
    customer_import.refresh_from_db()
    assert customer_import.state == CustomerImport.State.CHECKING
    assert customer_import.error == "Customers changed while importing, so nothing was imported."


def test_a_step_that_raised_is_failed_and_can_be_checked_again(manager_client, monkeypatch):
    customer_import = upload_ok(manager_client, "name\nAda\n")
    manager_client.post(preview_url(customer_import), {"action": "import"})

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports.jobs, "write_import", broken)
    with pytest.raises(RuntimeError):
        imports.tasks.run_import(customer_import.pk)
    customer_import.refresh_from_db()
    assert (customer_import.state, customer_import.error) == (
        "failed",
        "RuntimeError: disk on fire",
    )
    page = manager_client.get(preview_url(customer_import)).content.decode()
    assert "could not be checked or imported" in page
    assert "RuntimeError: disk on fire" in page

    monkeypatch.undo()
    manager_client.post(preview_url(customer_import), {"action": "check-again"})
    worker_runs(customer_import)
    assert customer_import.state == CustomerImport.State.READY
    assert Customer.objects.count() == 0
    response = manager_client.post(preview_url(customer_import), {"action": "check-again"})
    assert messages_of(response)[-1] == "This file is not waiting to be checked again."


def test_the_sweep_queues_again_only_what_stopped_moving(db, manager_user):
    def upload(state, minutes_ago):
        customer_import = imports.import_upload_create(
            created_by=None, filename=f"{state}.csv", text="name\nAda\n", duplicates="skip"
        )
        CustomerImport.objects.filter(pk=customer_import.pk).update(
            state=state, progress_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
        )
        return customer_import.pk

    stuck_check = upload("checking", 3)
    stuck_import = upload("importing", 30)
    upload("checking", 1)  # still moving
    upload("ready", 60)  # waits for a person, not for the worker
    upload("imported", 60)
    assert sorted(imports.imports_stranded()) == sorted(
        [(stuck_check, "checking"), (stuck_import, "importing")]
    )
    assert imports.imports_stranded() == []  # stamped: their new tasks get time to start


def test_the_upload_page_lists_recent_files_with_their_state(manager_client, manager_user):
    checked = upload_ok(manager_client, "name\nAda\n", name="first.csv")
    upload(manager_client, "name\nBob\n", name="second.csv")
    confirm(manager_client, checked)
    page = manager_client.get(reverse("customers:import")).content.decode()
    recent = page.split('class="table table-sm mb-0 recent-imports"')[1]
    assert recent.index("second.csv") < recent.index("first.csv")
    assert "Being checked (0%)" in recent
    assert "Imported: 1 added, 0 updated" in recent
    assert f'href="{preview_url(checked)}"' in recent


def test_the_preview_is_read_as_kept_not_worked_out_again(
    manager_client, django_assert_num_queries
):
    text = "name,email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(2500))
    customer_import = upload_ok(manager_client, text)
    # session, user with the manager check, the upload with its uploader
    with django_assert_num_queries(3):
        response = manager_client.get(preview_url(customer_import))
    assert "Import 2500 customers" in response.content.decode()


def test_a_file_of_many_problems_lists_the_first_and_counts_the_rest(manager_client):
    text = "name,email\n" + "".join(f"P{n},not-an-address-{n}\n" for n in range(600))
    page = manager_client.get(preview_url(upload_ok(manager_client, text))).content.decode()
    assert "600 problems to fix" in page
    assert page.count("is not an email address") == imports.preview.KEPT
    assert "And 100 more problems like these." in page


@pytest.mark.parametrize("rows", [5, 40])
def test_import_query_count_does_not_grow_with_the_rows(
    db, staff_user, manager_user, django_assert_num_queries, rows
):
    text = "name,email,owner,tags\n" + "".join(
        f"P{n},p{n}@example.com,sam,t{n % 3}|all\n" for n in range(rows)
    )
    customer_import = imports.import_upload_create(
        created_by=None, filename="x.csv", text=text, duplicates="skip"
    )
    imports.import_check(customer_import.pk)
    imports.import_confirm(customer_import, user=manager_user)
    # the test's savepoint (a transaction outside tests); lock; the upload and who confirmed it;
    # the import's savepoint; owners; existing emails; erased addresses among the new ones;
    # insert customers and their audit trail; tags, the missing ones, them again; the tag links;
    # release; the record of the import; release
    with django_assert_num_queries(16):
        imports.import_run(customer_import.pk)
    assert Customer.objects.count() == rows


# Permissions --------------------------------------------------------------------------------


@pytest.fixture
def pending_import(manager_user):
    customer_import = imports.import_upload_create(
        created_by=manager_user, filename="c.csv", text="name\nAda\n", duplicates="skip"
    )
    imports.import_check(customer_import.pk)
    return customer_import


def import_url(name, customer_import):
    if name == "import":
        return reverse("customers:import")
    if name == "status":
        return reverse("customers:import-status", args=[customer_import.pk])
    return preview_url(customer_import)


@pytest.mark.parametrize(
    ("method", "url_name"),
    [
        ("get", "import"),
        ("post", "import"),
        ("get", "preview"),
        ("post", "preview"),
        ("get", "status"),
    ],
)
def test_anonymous_is_sent_to_log_in(client, pending_import, method, url_name):
    response = getattr(client, method)(import_url(url_name, pending_import))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("method", "url_name"),
    [
        ("get", "import"),
        ("post", "import"),
        ("get", "preview"),
        ("post", "preview"),
        ("get", "status"),
    ],
)
def test_staff_cannot_import(staff_client, pending_import, method, url_name):
    url = import_url(url_name, pending_import)
    assert getattr(staff_client, method)(url, {"action": "import"}).status_code == 403
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
    assert other_manager.post(preview_url(pending_import), {"action": "import"}).status_code == 302
    worker_runs(pending_import)
    assert Customer.objects.get().name == "Ada"
    assert pending_import.imported_by.username == "max"


def test_the_status_says_how_far_the_check_and_the_import_have_got(db, manager_client):
    customer_import = imports.import_upload_create(
        created_by=None, filename="c.csv", text="name\nAda\nBob\n\nCy\n", duplicates="skip"
    )
    url = reverse("customers:import-status", args=[customer_import.pk])
    assert manager_client.get(url).json() == {
        "state": "checking",
        "rows_done": 0,
        "rows_total": 3,
        "percent": 0,
    }
    CustomerImport.objects.filter(pk=customer_import.pk).update(rows_done=2)
    assert manager_client.get(url).json()["percent"] == 66
    import_now(customer_import)
    assert manager_client.get(url).json() == {
        "state": "imported",
        "rows_done": 3,
        "rows_total": 3,
        "percent": 100,
    }


def test_the_page_of_a_file_being_checked_shows_its_progress(db, manager_client):
    customer_import = imports.import_upload_create(
        created_by=None, filename="c.csv", text="name\nAda\nBob\n", duplicates="skip"
    )
    CustomerImport.objects.filter(pk=customer_import.pk).update(rows_done=1)
    page = manager_client.get(preview_url(customer_import)).content.decode()
    assert "Checking the file…" in page
    assert '<progress class="import-bar mb-2" max="100" value="50"' in page
    assert "1 of about 2 rows read" in page
    assert 'data-state="checking"' in page
    assert "js/import.js" in page
    assert 'name="action"' not in page  # nothing to confirm yet


def test_unknown_import_is_404(manager_client):
    url = reverse("customers:import-preview", args=[999999])
    assert manager_client.get(url).status_code == 404
    assert manager_client.post(url, {"action": "import"}).status_code == 404
    url = reverse("customers:import-status", args=[999999])
    assert manager_client.get(url).status_code == 404


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
