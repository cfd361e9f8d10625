"""Erasure: a customer's personal data goes from every table, the audit trail's copies included,
while the dashboard's figures stay as they were."""

import datetime
import logging
from dataclasses import asdict

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.models import OutgoingEmail
from core.outbox.queue import emails_retry
from customers.models import Customer, SuppressedEmail
from customers.suppression import is_suppressed, suppression_hash
from front import dashboard
from inbound.models import InboundMessage
from interactions.models import CaseLink, Complaint, Interaction, Reminder
from privacy.erasure import AlreadyErased, customer_erase
from privacy.models import Erasure
from tests.concurrency import at_once
from tests.factories import CustomerFactory
from tests.interactions.factories_timeline import InteractionFactory
from tests.voice.factories import FeedbackSubmissionFactory, SurveyFactory
from voice import selectors as voice_selectors
from voice.models import Survey

from .every_table import EMAIL, MARKER, NAME, OLD_EMAIL, SEARCHED

pytestmark = pytest.mark.django_db

SEARCHABLE = ("text", "character varying", "json", "jsonb", "bytea", "ARRAY")


def database_holding(value: str) -> list[str]:
    """Every table.column of the database holding ``value`` (any case): text, varchar, JSON and
    bytea columns of every table, audit-trail copies included, read from information_schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = ANY(%s)",
            [list(SEARCHABLE)],
        )
        columns = cursor.fetchall()
        found = []
        for table, column, data_type in columns:
            quoted = f"{connection.ops.quote_name(table)}.{connection.ops.quote_name(column)}"
            as_text = f"encode({quoted}, 'escape')" if data_type == "bytea" else f"{quoted}::text"
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)} WHERE {as_text} ILIKE %s",
                [f"%{value}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return sorted(found)


def test_after_erasure_no_value_of_theirs_is_left_anywhere_in_the_database(filled, manager_user):
    assert database_holding(MARKER)  # the search finds what is there

    customer_erase(filled.customer.pk, by=manager_user)

    for value in SEARCHED:
        assert database_holding(value) == [], value


def dashboard_figures(now):
    today = timezone.localdate(now)
    start = today - datetime.timedelta(days=365)
    complaints = dashboard.complaint_figures(now, start)
    staff = dashboard.staff_rows(today, start, complaints.open_by_assignee)
    return {
        "complaints": asdict(complaints),
        "interactions": asdict(dashboard.interaction_figures(start, today)),
        "staff": [
            (row.user.pk, row.open_complaints, *(getattr(row, n) for n in dashboard.COUNTED))
            for row in staff
        ],
        "nps": voice_selectors.nps_by_week(start),
        "recovery": voice_selectors.recovery_rate(start),
    }


def test_the_dashboard_figures_are_the_same_after_erasure(filled, manager_user, staff_user):
    CustomerFactory(owner=staff_user, name="Other Person")
    now = timezone.now()
    before = dashboard_figures(now)
    assert before["interactions"]["quality_overall"] is not None

    customer_erase(filled.customer.pk, by=manager_user)

    assert dashboard_figures(now) == before


def test_an_erased_customers_check_in_is_no_longer_due_like_an_archived_ones(
    manager_user, staff_user
):
    today = timezone.localdate()
    customer = CustomerFactory(
        owner=staff_user, next_checkin_due=today - datetime.timedelta(days=3)
    )
    InteractionFactory(customer=customer, author=staff_user)
    now = timezone.now()
    before = dashboard_figures(now)

    customer_erase(customer.pk, by=manager_user)

    after = dashboard_figures(now)
    overdue = 2 + dashboard.COUNTED.index("checkins_overdue")  # after the user and open cases
    assert [row[overdue] for row in before["staff"] if row[0] == staff_user.pk] == [1]
    assert [row[overdue] for row in after["staff"] if row[0] == staff_user.pk] == [0]
    for row in before["staff"]:
        row_after = next(r for r in after["staff"] if r[0] == row[0])
        assert row[:overdue] + row[overdue + 1 :] == row_after[:overdue] + row_after[overdue + 1 :]
    assert {k: v for k, v in after.items() if k != "staff"} == {
        k: v for k, v in before.items() if k != "staff"
    }


def test_their_rows_stay_with_placeholders_and_what_figures_count(filled, manager_user):
    interaction = Interaction.objects.get(customer=filled.customer, kind="call")
    survey = Survey.objects.get(customer=filled.customer)

    customer_erase(filled.customer.pk, by=manager_user)

    customer = Customer.objects.get(pk=filled.customer.pk)
    assert (customer.name, customer.email, customer.phone, customer.company) == (
        "[erased]",
        "",
        "",
        "",
    )
    assert customer.birthday is None and customer.temperament == "unknown"
    assert customer.is_erased and customer.is_archived and customer.email_opt_out
    assert list(customer.tags.all()) == []
    interaction.refresh_from_db()
    assert (interaction.summary, interaction.details) == ("[erased]", "[erased]")
    assert (interaction.kind, interaction.outcome) == ("call", "fell_short")
    survey.refresh_from_db()
    assert (survey.comment, survey.satisfaction, survey.recommend) == ("[erased]", 2, 3)
    assert survey.token_hash is None  # its link stops working
    complaint = Complaint.objects.get(customer=customer)
    assert complaint.status == Complaint.Status.OPEN and complaint.summary == "[erased]"
    history = customer.history.order_by("history_id")
    assert {row.name for row in history} == {"[erased]"}
    assert {row.email for row in history} == {""}


def test_a_row_that_only_names_them_keeps_the_rest(filled, manager_user):
    customer_erase(filled.customer.pk, by=manager_user)

    digest = OutgoingEmail.objects.get(kind="digest")
    assert digest.body_text == "Check in with [erased] ([erased]). Call Other Person."
    assert digest.to == "sam@example.com"
    escalation = OutgoingEmail.objects.get(kind="escalation")
    assert escalation.to == "mona@example.com"  # to staff: whom it went to stays


def test_emails_to_them_not_sent_yet_are_taken_back_and_sent_ones_lose_their_bodies(
    filled, manager_user
):
    customer_erase(filled.customer.pk, by=manager_user)

    assert not OutgoingEmail.objects.filter(kind="survey").exists()
    sent = OutgoingEmail.objects.get(kind="complaint-acknowledgement")
    assert (sent.to, sent.body_text, sent.body_html, sent.headers) == ("[erased]", "", "", {})
    assert sent.state == OutgoingEmail.State.SENT
    assert Erasure.objects.get().withdrawn_emails == 1


def test_an_email_about_them_that_failed_is_not_sent_again(filled, manager_user):
    OutgoingEmail.objects.filter(kind="complaint-acknowledgement").update(
        state=OutgoingEmail.State.FAILED
    )
    customer_erase(filled.customer.pk, by=manager_user)
    failed = OutgoingEmail.objects.get(kind="complaint-acknowledgement")

    assert emails_retry([failed.pk]) == 0


def test_their_case_links_stop_and_their_reminders_are_set_aside(filled, manager_user):
    customer_erase(filled.customer.pk, by=manager_user)

    assert not CaseLink.objects.filter(retired_at__isnull=True).exists()
    assert not Reminder.objects.filter(state__in=Reminder.LIVE_STATES).exists()


def test_their_mail_keeps_its_record_and_loses_its_body(filled, manager_user):
    customer_erase(filled.customer.pk, by=manager_user)

    filed = InboundMessage.objects.get(dedupe_key="<filed-1@example.com>")
    assert bytes(filed.raw) == b"" and filed.size > 0
    assert filed.state == InboundMessage.State.FILED
    assert filed.interactions.count() == 1


def test_the_erasure_is_logged_without_personal_data(filled, manager_user, caplog):
    with caplog.at_level(logging.INFO, logger="privacy"):
        customer_erase(filled.customer.pk, by=manager_user)

    erasure = Erasure.objects.get()
    assert (erasure.customer_id, erasure.erased_by) == (filled.customer.pk, manager_user)
    assert erasure.scrubbed["interactions.Interaction"] == 2  # the call, and the complaint's
    assert erasure.mentions["crm.OutgoingEmail"] == 1  # the digest
    assert MARKER not in str(erasure.scrubbed) + str(erasure.mentions)
    assert (
        MARKER not in caplog.text.lower() and f"Customer {filled.customer.pk} erased" in caplog.text
    )


def test_their_addresses_are_kept_only_as_keyed_hashes(filled, manager_user, settings):
    customer_erase(filled.customer.pk, by=manager_user)

    hashes = set(SuppressedEmail.objects.values_list("email_hash", flat=True))
    assert hashes == {suppression_hash(EMAIL), suppression_hash(OLD_EMAIL)}
    assert is_suppressed(EMAIL.upper()) and is_suppressed(f"  {OLD_EMAIL} ")
    settings.SUPPRESSION_KEY = "another key"
    assert suppression_hash(EMAIL) not in hashes  # keyed: useless without the key


def test_erasing_twice_erases_once_and_logs_once(filled, manager_user):
    customer_erase(filled.customer.pk, by=manager_user)

    with pytest.raises(AlreadyErased):
        customer_erase(filled.customer.pk, by=manager_user)
    assert Erasure.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_erasures_at_once_erase_once_and_log_once(staff_user, manager_user, caplog):
    customer = CustomerFactory(name=NAME, email=EMAIL, owner=staff_user)
    InteractionFactory(customer=customer, author=staff_user, summary=f"{MARKER} rang")

    def erase():
        try:
            return customer_erase(customer.pk, by=manager_user).pk
        except AlreadyErased:
            return None

    with caplog.at_level(logging.INFO, logger="privacy"):
        results = at_once(erase)

    assert sorted(results, key=bool) == [None, Erasure.objects.get().pk]
    assert caplog.text.count(f"Customer {customer.pk} erased") == 1
    assert Interaction.objects.get().summary == "[erased]"


def test_an_archived_customer_is_erased_and_stays_archived_as_it_was(manager_user, staff_user):
    archived_at = timezone.now() - datetime.timedelta(days=400)
    customer = CustomerFactory(name=NAME, email=EMAIL, owner=staff_user, archived_at=archived_at)

    customer_erase(customer.pk, by=manager_user)

    customer.refresh_from_db()
    assert customer.is_erased and customer.archived_at == archived_at
    assert customer.name == "[erased]"


def test_another_customer_is_untouched(filled, manager_user, staff_user):
    other = CustomerFactory(name="Other Person", email="other@example.com", owner=staff_user)
    InteractionFactory(customer=other, author=staff_user, summary=f"Met {NAME}'s neighbour")
    namesake = FeedbackSubmissionFactory(customer=other, name=NAME, message="Same name, not her")
    before = Customer.objects.filter(pk=other.pk).values().get()

    customer_erase(filled.customer.pk, by=manager_user)

    assert Customer.objects.filter(pk=other.pk).values().get() == before
    # Someone else's records are theirs: a namesake's would be wrongly changed.
    assert Interaction.objects.get(customer=other).summary == f"Met {NAME}'s neighbour"
    namesake.refresh_from_db()
    assert namesake.name == NAME


# The pages ------------------------------------------------------------------------------------


def test_the_confirmation_names_what_will_go(manager_client, filled):
    response = manager_client.get(reverse("customers:erase", args=[filled.customer.pk]))
    page = response.content.decode()

    assert response.status_code == 200
    assert f"Erase {NAME}" in page
    assert "Interactions: 2" in page
    assert "Audit trail: customers: 2" in page
    assert "Complaints: 1" in page
    assert "also replaced in 5 other records that mention them" in page
    assert Customer.objects.get(pk=filled.customer.pk).name == NAME  # nothing erased yet


def test_nothing_is_erased_without_ticking_the_box(manager_client, filled):
    response = manager_client.post(reverse("customers:erase", args=[filled.customer.pk]), {})

    assert response.status_code == 400
    assert "Tick the box to erase them" in response.content.decode()
    assert not Erasure.objects.exists()


def test_a_manager_erases_and_the_profile_answers_a_friendly_410(manager_client, filled):
    url = reverse("customers:erase", args=[filled.customer.pk])

    response = manager_client.post(url, {"confirm": "on"}, follow=True)

    assert response.status_code == 410
    page = response.content.decode()
    assert "This customer was erased" in page
    assert "The customer&#x27;s data was erased." in page
    assert NAME not in page


def test_a_second_erasure_from_a_stale_tab_says_it_was_done(manager_client, filled, manager_user):
    customer_erase(filled.customer.pk, by=manager_user)

    response = manager_client.post(
        reverse("customers:erase", args=[filled.customer.pk]), {"confirm": "on"}
    )

    assert response.status_code == 410
    assert Erasure.objects.count() == 1


@pytest.mark.parametrize(
    "page", ["", "edit/", "audit/", "history/", "history.csv", "log/", "data-export/", "erase/"]
)
def test_every_page_of_an_erased_customer_answers_410(manager_client, staff_client, filled, page):
    customer_erase(filled.customer.pk, by=None)
    url = f"/customers/{filled.customer.pk}/{page}"

    assert manager_client.get(url).status_code == 410
    assert staff_client.get(url).status_code == 410


def test_staff_may_not_erase(staff_client, filled):
    url = reverse("customers:erase", args=[filled.customer.pk])

    assert staff_client.get(url).status_code == 403
    assert staff_client.post(url, {"confirm": "on"}).status_code == 403
    assert not Erasure.objects.exists()


@pytest.mark.parametrize("pk", ["١٢", "1" * 40, "99999999", "\x00"])
def test_a_bad_id_is_not_found(manager_client, pk):
    assert manager_client.get(f"/customers/{pk}/erase/").status_code == 404
    assert manager_client.post(f"/customers/{pk}/erase/", {"confirm": "on"}).status_code == 404


@pytest.mark.parametrize(
    "value, erased", [("on", True), ("false", False), ("\x00", True), ("x" * 100_000, True)]
)
def test_the_confirmation_box_reads_any_value_plainly(manager_client, staff_user, value, erased):
    customer = CustomerFactory(owner=staff_user)

    response = manager_client.post(
        reverse("customers:erase", args=[customer.pk]), {"confirm": value}
    )

    assert response.status_code == (302 if erased else 400)
    assert Erasure.objects.filter(customer=customer).exists() == erased


@override_settings(SUPPRESSION_KEY="")
def test_without_its_own_key_the_list_is_keyed_with_the_secret_key(settings):
    first = suppression_hash(EMAIL)
    settings.SECRET_KEY = "x" * 50

    assert suppression_hash(EMAIL) != first


def test_an_erased_customers_words_make_no_theme(staff_user, manager_user):
    from insights.computing import insights_compute
    from insights.models import ThemeCount

    customer = CustomerFactory(owner=staff_user)
    for days in range(6):
        FeedbackSubmissionFactory(
            customer=customer,
            message="Evening slots, please.",
            created_at=timezone.now() - datetime.timedelta(days=days, hours=1),
        )
    customer_erase(customer.pk, by=manager_user)

    insights_compute()

    assert not ThemeCount.objects.exists()  # neither "evening" nor the placeholder's "erased"


def test_erased_customers_wishes_are_no_wish_they_share(staff_user, manager_user):
    from insights.computing import insights_compute
    from insights.models import WantedTheme

    for _ in range(3):
        customer = CustomerFactory(owner=staff_user, unmet_wants="Evening visits")
        SurveyFactory(customer=customer, unmet_want="Evening visits", answered_at=timezone.now())
        customer_erase(customer.pk, by=manager_user)

    insights_compute()

    assert not WantedTheme.objects.exists()


def test_listeners_are_told_of_the_erasure_with_placeholders_only(filled, manager_user):
    from core.events import happened

    told = []

    def listen(sender, *, name, instance, **kwargs):
        told.append((name, instance.pk, instance.name, instance.email))

    happened.connect(listen, weak=False)
    try:
        customer_erase(filled.customer.pk, by=manager_user)
    finally:
        happened.disconnect(listen)

    assert ("customer.erased", filled.customer.pk, "[erased]", "") in told


def test_the_rows_other_apps_find_about_them_are_exported_and_erased_whole(filled, manager_user):
    """A webhook delivery telling of them and the API's remembered answer about them hold no
    foreign key: their models find them (privacy_rows), and they go whole."""
    import io
    import zipfile

    from api.models import IdempotentRequest
    from privacy.export import customer_archive
    from webhooks.models import WebhookDelivery

    with zipfile.ZipFile(io.BytesIO(customer_archive(filled.customer))) as archive:
        data = archive.read("data.json")
    assert b"interaction.logged" in data and b"Rang" in data

    customer_erase(filled.customer.pk, by=manager_user)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.payload, delivery.event) == ({}, "interaction.logged")
    assert IdempotentRequest.objects.get().response in ({}, None)
    assert database_holding("qz7kwv") == []
