"""A caller's number finds the customer whatever its spacing or form."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from customers import imports
from customers.models import Customer
from customers.phones import phone_e164, phone_search_digits
from customers.services import customer_create, customer_update
from tests.factories import CustomerFactory

from .imports import import_now

SPACERS = st.sampled_from(["", " ", "  ", "-", ".", "\u00a0"])


@st.composite
def ways_to_write(draw, national: str):
    """``national`` (e.g. "07700900015") as a person might type it."""
    form = draw(st.sampled_from(["national", "plus", "double-zero", "plus-trunk"]))
    rest = national[1:]
    prefix = {"national": "0", "plus": "+44", "double-zero": "0044", "plus-trunk": "+44 (0)"}[form]
    spaced = "".join(digit + draw(SPACERS) for digit in rest).strip(" -.\u00a0")
    return f"{prefix}{draw(SPACERS)}{spaced}"


@pytest.mark.parametrize(
    "typed",
    [
        "+44 7700 900015",
        "+447700900015",
        "07700 900015",
        "07700900015",
        "07700 900 015",
        "0044 7700 900015",
        "+44 (0)7700 900015",
        "٠٧٧٠٠ ٩٠٠٠١٥",  # Arabic-Indic digits
    ],
)
def test_every_usual_form_of_a_number_is_one_e164(typed, settings):
    settings.PHONE_REGION = "GB"

    assert phone_e164(typed) == "+447700900015"


@pytest.mark.parametrize("typed", ["", "12", "not a number", "+", "ext. 12", "9" * 40, "²³⁴⁵"])
def test_what_is_not_a_possible_number_has_no_e164(typed):
    assert phone_e164(typed) == ""


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("07700 900", "447700900"),
        ("900015", "900015"),
        ("+1 650 253 0000", "16502530000"),
        ("customer4242", None),
        ("ada@example.com", None),
        ("Ada Lovelace", None),
        ("123", None),
        ("", None),
    ],
)
def test_what_a_search_looks_for_in_numbers(text, digits, settings):
    settings.PHONE_REGION = "GB"

    assert phone_search_digits(text) == digits


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None)
@given(stored=ways_to_write("07700900015"), searched=ways_to_write("07700900015"))
def test_a_number_stored_one_way_is_found_typed_any_other(stored, searched):
    Customer.objects.all().delete()
    ada = customer_create(name="Ada Lovelace", phone=stored)
    customer_create(name="Someone Else", phone="07700 900016")

    assert list(Customer.objects.search(searched)) == [ada]


@pytest.mark.django_db
def test_part_of_a_number_finds_it_in_either_form(settings):
    settings.PHONE_REGION = "GB"
    ada = customer_create(name="Ada Lovelace", phone="+44 7700 900015")

    for part in ("900015", "900 015", "07700 900", "+44 7700"):
        assert list(Customer.objects.search(part)) == [ada], part


@pytest.mark.django_db
def test_a_number_that_does_not_parse_is_kept_as_typed_and_still_found():
    odd = customer_create(name="Odd Number", phone="ext 4471 via reception")

    odd.refresh_from_db()
    assert (odd.phone, odd.phone_e164) == ("ext 4471 via reception", "")
    assert odd.phone_is_unreadable
    assert not customer_create(name="Plain", phone="07700 900015").phone_is_unreadable


@pytest.mark.django_db
def test_changing_the_number_changes_what_finds_it():
    ada = customer_create(name="Ada Lovelace", phone="07700 900015")

    customer_update(ada, phone="07700 900099")

    assert list(Customer.objects.search("07700900099")) == [ada]
    assert list(Customer.objects.search("07700900015")) == []


@pytest.mark.django_db
def test_a_name_search_does_not_look_at_numbers():
    CustomerFactory(name="Grace Hopper", phone="+44 7700 904242")

    assert list(Customer.objects.search("customer4242")) == []


@pytest.mark.django_db
def test_the_migration_reads_every_stored_number():
    ada = CustomerFactory(phone="07700 900015")
    odd = CustomerFactory(phone="ext 12")
    Customer.objects.update(phone_e164="")  # as the rows were before it
    migration = importlib.import_module("customers.migrations.0011_phone_e164")

    with connection.schema_editor() as editor:
        migration.fill_phone_e164(apps, editor)

    ada.refresh_from_db()
    odd.refresh_from_db()
    assert (ada.phone, ada.phone_e164) == ("07700 900015", "+447700900015")
    assert (odd.phone, odd.phone_e164) == ("ext 12", "")


@pytest.mark.django_db
def test_an_import_reads_numbers_as_the_form_does(staff_user):
    ada = CustomerFactory(name="Ada", email="ada@example.com", phone="07700 900015")
    text = (
        "name,email,phone\n"
        "Ada,ada@example.com,+44 7700 900099\n"
        "Grace,grace@example.com,0044 (0)7700-900 042\n"
        "Odd,odd@example.com,call reception\n"
    )
    upload = imports.import_upload_create(
        created_by=None, filename="x.csv", text=text, duplicates="update"
    )

    import_now(upload)

    assert list(Customer.objects.search("07700900099")) == [ada]
    assert Customer.objects.get(email="grace@example.com").phone_e164 == "+447700900042"
    assert Customer.objects.get(email="odd@example.com").phone_is_unreadable


@pytest.mark.django_db
def test_the_profile_dials_the_e164_number_and_flags_one_it_cannot_read(staff_client, staff_user):
    readable = customer_create(name="Ada", phone="07700 900015", owner=staff_user)
    unreadable = customer_create(name="Odd", phone="ask at reception", owner=staff_user)

    page = staff_client.get(f"/customers/{readable.pk}/").content.decode()
    assert '<a href="tel:+447700900015">07700 900015</a>' in page
    assert 'id="phone-unreadable"' not in page

    page = staff_client.get(f"/customers/{unreadable.pk}/").content.decode()
    assert "ask at reception" in page and 'id="phone-unreadable"' in page
    assert 'href="tel:' not in page
