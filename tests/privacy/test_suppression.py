"""An erased customer's address, on the suppression list, does not bring them back unnoticed:
an import flags the row and leaves it out; the public form takes the message from someone new
and tells staff."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.celery import app as celery_app
from customers import imports
from customers.models import Customer, CustomerImport
from interactions.models import Interaction
from privacy.erasure import customer_erase
from tests.customers.imports import import_now, worker_runs
from tests.factories import CustomerFactory
from voice.models import FeedbackSubmission

pytestmark = pytest.mark.django_db

ERASED = "gone.customer@example.com"


@pytest.fixture
def erased(staff_user, manager_user):
    customer = CustomerFactory(name="Gone Customer", email=ERASED, owner=staff_user)
    customer_erase(customer.pk, by=manager_user)
    return customer


def upload(client, text: str) -> CustomerImport:
    response = client.post(
        reverse("customers:import"),
        {
            "file": SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv"),
            "duplicates": "update",
        },
    )
    assert response.status_code == 302
    customer_import = CustomerImport.objects.latest("id")
    worker_runs(customer_import)
    return customer_import


def test_an_import_flags_the_row_of_an_erased_address_and_leaves_it_out(
    manager_client, manager_user, erased
):
    text = "name,email\nNew Person,new@example.com\nGone Again, Gone.Customer@Example.com \n"
    customer_import = upload(manager_client, text)

    preview = imports.stored_preview(customer_import)
    assert (preview.to_create, preview.suppressed, preview.is_valid) == (1, [3], True)
    page = manager_client.get(reverse("customers:import-preview", args=[customer_import.pk]))
    content = page.content.decode()
    assert "1 row left out: an erased customer's address" in content
    assert "Rows: 3" in content
    assert ERASED not in str(customer_import.preview).lower()  # the list's point

    assert import_now(customer_import, user=manager_user) == (1, 0, 0)
    assert not Customer.objects.with_email(ERASED).exists()
    assert Customer.objects.filter(email="new@example.com").exists()


def test_a_customer_who_came_back_is_matched_as_usual(manager_client, manager_user, erased):
    CustomerFactory(name="Back Again", email=ERASED)
    customer_import = upload(manager_client, f"name,email\nBack Again,{ERASED}\n")

    preview = imports.stored_preview(customer_import)
    assert (preview.suppressed, preview.to_update + preview.to_skip) == ([], 1)


def test_an_import_without_erased_addresses_asks_no_more_of_the_list(manager_client):
    customer_import = upload(manager_client, "name\nNo Address\n")

    assert imports.stored_preview(customer_import).suppressed == []


@pytest.fixture
def send_feedback(client, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)

    def send(**fields):
        data = {
            "name": "Gone Customer",
            "email": ERASED.upper(),
            "phone": "",
            "topic": "question",
            "message": "Do you still service boilers?",
            "order_ref": "",
            "website": "",
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/feedback/", data)

    return send


def test_the_form_takes_their_message_as_from_someone_new_and_tells_staff(
    send_feedback, erased, manager_user
):
    response = send_feedback()

    assert response["Location"] == "/feedback/thanks/"
    submission = FeedbackSubmission.objects.get()
    assert submission.state == FeedbackSubmission.State.PROCESSED
    new = submission.customer
    assert new.pk != erased.pk and new.email == ERASED and not new.is_erased
    notes = Interaction.objects.filter(customer=new, kind=Interaction.Kind.NOTE)
    assert [note.summary for note in notes] == ["This address is on the suppression list"]
    assert "nothing of the erased customer came back" in notes[0].details
    assert Interaction.objects.filter(customer=new, kind=Interaction.Kind.FEEDBACK).exists()
    erased.refresh_from_db()
    assert erased.name == "[erased]"  # the erased customer stays erased


def test_the_next_message_from_them_is_matched_to_the_new_customer_without_a_note(
    send_feedback, erased
):
    send_feedback()
    send_feedback(message="And gas fires?")

    assert Customer.objects.with_email(ERASED).count() == 1
    assert Interaction.objects.filter(kind=Interaction.Kind.NOTE).count() == 1


def test_an_address_never_erased_gets_no_note(send_feedback, manager_user):
    send_feedback(email="someone.new@example.com")

    assert not Interaction.objects.filter(kind=Interaction.Kind.NOTE).exists()
