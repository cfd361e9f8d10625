"""The main pages in Spanish and in German, at 375 px: every word in the member of staff's
language, nothing wider than the phone, and axe's checks passed (conftest.check_page)."""

import datetime

import pytest
from django.utils import timezone

from core.models import Preferences
from interactions.complaints.services import complaint_open
from interactions.follow_ups.services import followup_create
from interactions.services import interaction_log
from tests.factories import PASSWORD, CustomerFactory, UserFactory

from .conftest import BROWSER_MARKS, log_in, visit

pytestmark = BROWSER_MARKS

# A word of each page's own in each language: the page was drawn in it.
WORDS = {
    "es": {"my-day": "Mi día", "customers": "Clientes", "complaints": "Quejas"},
    "de": {"my-day": "Mein Tag", "customers": "Kunden", "complaints": "Beschwerden"},
}


@pytest.mark.parametrize("language", ["es", "de"])
def test_the_main_pages_in_each_language_fit_a_phone(page, roles, language):
    # A manager: every page of the menu, the dashboard's among them.
    staff = UserFactory(username="ana", first_name="Ana", role="Manager")
    Preferences.objects.create(user=staff, language=language)
    customer = CustomerFactory(
        owner=staff,
        name="Konstantin Müller-Lüdenscheidt",
        company="Landmaschinenreparaturwerkstatt GmbH",
        language=language,
        birthday=datetime.date(1980, 12, 3),
    )
    interaction_log(
        customer=customer, author=staff, kind="call", channel="phone", summary="Rückruf"
    )
    complaint = complaint_open(
        customer=customer,
        summary="Lieferung beschädigt",
        severity="high",
        opened_by=staff,
        assignee=staff,
    )
    followup_create(
        customer=customer,
        created_by=staff,
        assignee=staff,
        summary="Angebot schicken",
        due_on=timezone.localdate(),
        promised=True,
    )

    log_in(page, "ana", PASSWORD, f"lang-{language}-1")
    words = WORDS[language]
    pages = [
        ("/", "my-day", words["my-day"]),
        ("/customers/", "customers", words["customers"]),
        (f"/customers/{customer.pk}/", "profile", customer.name),
        ("/complaints/", "complaints", words["complaints"]),
        (f"/complaints/{complaint.pk}/", "case", complaint.summary),
        ("/follow-ups/", "follow-ups", "Angebot schicken"),
        ("/reminders/", "reminders", None),
        (f"/customers/{customer.pk}/log/", "log", None),
        ("/dashboard/", "dashboard", None),
        ("/accounts/preferences/", "preferences", None),
    ]
    for path, name, word in pages:
        visit(page, path, f"lang-{language}-{name}")
        assert page.locator("html").get_attribute("lang") == language, path
        if word:
            assert word in page.content(), f"{path}: {word!r} not on the page"
