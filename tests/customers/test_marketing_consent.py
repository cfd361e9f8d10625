"""Consent to marketing email: recorded and withdrawn by the services, with the audit trail; who
may send what (querysets); staff record it on the profile form, and the profile shows it."""

import datetime

import pytest
from django.utils import timezone

from customers import services
from customers.models import Customer
from tests.concurrency import at_once
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

Source = Customer.ConsentSource
MARCH_3 = datetime.datetime(2026, 3, 3, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def owned(staff_user):
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com", owner=staff_user)


def _consent(customer):
    customer.refresh_from_db()
    return (
        customer.marketing_consent_at,
        customer.marketing_consent_source,
        customer.marketing_consent_by,
        customer.marketing_consent_withdrawn_at,
    )


def _form_data(customer, **changes):
    """The edit form as it comes back unchanged for ``customer``, then ``changes``."""
    data = {
        "name": customer.name,
        "company": customer.company,
        "email": customer.email,
        "phone": customer.phone,
        "preferred_channel": customer.preferred_channel,
        "temperament": customer.temperament,
        "expectations": customer.expectations,
        "unmet_wants": customer.unmet_wants,
        "customer_since": customer.customer_since.isoformat(),
        "segment": customer.segment,
        "status": customer.status,
        "checkin_cadence_days": "",
        "birthday": "",
        "tags_text": "",
    }
    if customer.marketing_consent_at:
        data["marketing_consent"] = "on"
    # The box as the page drew it (the field's hidden initial value).
    data["initial-marketing_consent"] = "True" if customer.marketing_consent_at else ""
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


# The model and its querysets -----------------------------------------------------------------


def test_a_new_customer_has_not_been_asked(owned):
    assert _consent(owned) == (None, "", None, None)
    assert owned.has_marketing_consent is False


def test_consent_counts_only_while_they_take_email(owned):
    owned.marketing_consent_at = timezone.now()
    assert owned.has_marketing_consent is True

    owned.email_opt_out = True
    assert owned.has_marketing_consent is False


def test_with_marketing_consent_finds_those_who_agreed_and_take_email(db):
    agreed = CustomerFactory(marketing_consent_at=timezone.now())
    CustomerFactory(marketing_consent_at=timezone.now(), email_opt_out=True)
    CustomerFactory(marketing_consent_withdrawn_at=timezone.now())
    CustomerFactory()

    assert list(Customer.objects.with_marketing_consent()) == [agreed]


def test_emailable_leaves_out_no_address_opted_out_archived_and_bouncing(db):
    writable = CustomerFactory(name="Writable")
    CustomerFactory(name="No address", email="")
    CustomerFactory(name="Opted out", email_opt_out=True)
    CustomerFactory(name="Archived", archived_at=timezone.now())
    CustomerFactory(name="Bouncing", email_bouncing_since=timezone.now())

    assert list(Customer.objects.emailable()) == [writable]


def test_a_marketing_audience_is_emailable_and_consenting(db):
    fan = CustomerFactory(marketing_consent_at=timezone.now())
    CustomerFactory(marketing_consent_at=timezone.now(), email_bouncing_since=timezone.now())
    CustomerFactory(marketing_consent_at=timezone.now(), archived_at=timezone.now())
    CustomerFactory()

    assert list(Customer.objects.emailable().with_marketing_consent()) == [fan]


# Services ------------------------------------------------------------------------------------


def test_recording_consent_keeps_when_how_and_by_whom_in_the_audit_trail(owned, staff_user):
    assert services.customer_consent_record(owned, source=Source.PROFILE, by=staff_user, at=MARCH_3)

    assert _consent(owned) == (MARCH_3, Source.PROFILE, staff_user, None)
    assert owned.has_marketing_consent is True
    latest = owned.history.first()
    assert latest.history_change_reason == "Marketing consent recorded: Recorded by staff"
    assert latest.history_user == staff_user
    assert latest.marketing_consent_at == MARCH_3


def test_recording_consent_again_changes_nothing(owned, staff_user):
    services.customer_consent_record(owned, source=Source.DOUBLE_OPT_IN, at=MARCH_3)
    history = owned.history.count()

    assert not services.customer_consent_record(owned, source=Source.PROFILE, by=staff_user)

    assert _consent(owned) == (MARCH_3, Source.DOUBLE_OPT_IN, None, None)
    assert owned.history.count() == history


def test_withdrawing_clears_consent_keeps_the_opt_out_and_the_record(owned, staff_user):
    services.customer_consent_record(owned, source=Source.PROFILE, by=staff_user, at=MARCH_3)
    later = MARCH_3 + datetime.timedelta(days=10)

    assert services.customer_consent_withdraw(owned, at=later)

    assert _consent(owned) == (None, "", None, later)
    assert owned.email_opt_out is False  # service email still goes
    latest, before = owned.history.all()[:2]
    assert latest.history_change_reason == "Marketing consent withdrawn"
    assert before.marketing_consent_at == MARCH_3  # what was agreed stays in the audit trail


def test_withdrawing_leaves_a_customers_opt_out_of_all_email_as_it_is(db):
    customer = CustomerFactory(email_opt_out=True, marketing_consent_at=MARCH_3)

    services.customer_consent_withdraw(customer)

    customer.refresh_from_db()
    assert customer.email_opt_out is True


def test_withdrawing_twice_changes_nothing(owned):
    services.customer_consent_withdraw(owned, at=MARCH_3)
    history = owned.history.count()

    assert not services.customer_consent_withdraw(owned)

    assert _consent(owned) == (None, "", None, MARCH_3)
    assert owned.history.count() == history


def test_a_no_from_someone_never_asked_is_recorded(owned):
    assert services.customer_consent_withdraw(owned, at=MARCH_3)

    assert _consent(owned)[3] == MARCH_3


def test_agreeing_after_withdrawing_records_consent_afresh(owned):
    services.customer_consent_withdraw(owned, at=MARCH_3)
    later = MARCH_3 + datetime.timedelta(days=1)

    services.customer_consent_record(owned, source=Source.DOUBLE_OPT_IN, at=later)

    assert _consent(owned) == (later, Source.DOUBLE_OPT_IN, None, None)


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_record_consent_once():
    customer = CustomerFactory()

    recorded = at_once(
        lambda: services.customer_consent_record(
            Customer.objects.get(pk=customer.pk), source=Source.DOUBLE_OPT_IN
        )
    )

    assert sorted(recorded) == [False, True]
    assert customer.history.count() == 2  # created, then agreed once


def test_the_callers_copy_of_the_customer_follows_the_change(owned):
    services.customer_consent_record(owned, source=Source.FORM, at=MARCH_3)

    assert owned.marketing_consent_at == MARCH_3 and owned.has_marketing_consent


def test_a_stale_copy_cannot_undo_a_withdrawal_made_meanwhile(owned):
    stale = Customer.objects.get(pk=owned.pk)
    services.customer_consent_record(owned, source=Source.PROFILE, at=MARCH_3)
    services.customer_consent_withdraw(owned)

    # The stale copy still says "never asked"; the service reads the row afresh.
    assert services.customer_consent_withdraw(stale) is False
    assert stale.marketing_consent_withdrawn_at is not None


def test_consent_changes_only_its_own_columns(owned):
    Customer.objects.filter(pk=owned.pk).update(name="Renamed meanwhile")

    services.customer_consent_record(owned, source=Source.PROFILE)

    owned.refresh_from_db()
    assert owned.name == "Renamed meanwhile"


# The profile form -----------------------------------------------------------------------------


def test_the_edit_form_has_the_consent_checkbox_ticked_as_recorded(staff_client, owned):
    page = staff_client.get(f"/customers/{owned.pk}/edit/").content.decode()
    assert "Agrees to marketing email" in page
    assert 'name="marketing_consent"' in page
    assert "checked" not in page.split('name="marketing_consent"')[1].split(">")[0]

    services.customer_consent_record(owned, source=Source.IMPORT)
    page = staff_client.get(f"/customers/{owned.pk}/edit/").content.decode()
    assert "checked" in page.split('name="marketing_consent"')[1].split(">")[0]


def test_the_owner_ticks_the_box_and_consent_is_recorded_as_theirs(staff_client, staff_user, owned):
    response = staff_client.post(
        f"/customers/{owned.pk}/edit/", _form_data(owned, marketing_consent="on")
    )

    assert response.status_code == 302
    at, source, by, withdrawn = _consent(owned)
    assert (source, by, withdrawn) == (Source.PROFILE, staff_user, None)
    assert timezone.now() - at < datetime.timedelta(minutes=1)
    # One save, one entry in the audit trail, by the member of staff.
    assert owned.history.count() == 2
    assert owned.history.first().history_user == staff_user


def test_unticking_the_box_withdraws_consent(staff_client, owned):
    services.customer_consent_record(owned, source=Source.DOUBLE_OPT_IN, at=MARCH_3)

    response = staff_client.post(
        f"/customers/{owned.pk}/edit/", _form_data(owned, marketing_consent=None)
    )

    assert response.status_code == 302
    at, source, by, withdrawn = _consent(owned)
    assert (at, source, by) == (None, "", None)
    assert withdrawn is not None
    assert owned.email_opt_out is False


def test_saving_other_changes_leaves_consent_as_it_was(staff_client, owned):
    staff_client.post(f"/customers/{owned.pk}/edit/", _form_data(owned, company="New Co"))
    assert _consent(owned) == (None, "", None, None)  # not asked: no withdrawal made up

    services.customer_consent_record(owned, source=Source.DOUBLE_OPT_IN, at=MARCH_3)
    staff_client.post(f"/customers/{owned.pk}/edit/", _form_data(owned, company="Newer Co"))
    assert _consent(owned) == (MARCH_3, Source.DOUBLE_OPT_IN, None, None)


def test_a_form_opened_before_the_customer_confirmed_does_not_undo_it(staff_client, owned):
    data = _form_data(owned, company="New Co")  # the box was unticked when the page was drawn
    services.customer_consent_record(owned, source=Source.DOUBLE_OPT_IN, at=MARCH_3)

    staff_client.post(f"/customers/{owned.pk}/edit/", data)

    assert _consent(owned)[:2] == (MARCH_3, Source.DOUBLE_OPT_IN)


def test_a_manager_records_consent_on_anyones_customer(manager_client, manager_user, owned):
    manager_client.post(f"/customers/{owned.pk}/edit/", _form_data(owned, marketing_consent="on"))

    assert _consent(owned)[1:3] == (Source.PROFILE, manager_user)


def test_staff_cannot_change_consent_on_someone_elses_customer(other_staff_client, owned):
    for ticked in ("on", None):
        response = other_staff_client.post(
            f"/customers/{owned.pk}/edit/", _form_data(owned, marketing_consent=ticked)
        )
        assert response.status_code == 403
    assert _consent(owned) == (None, "", None, None)
    assert owned.history.count() == 1


def test_anonymous_is_sent_to_log_in_and_nothing_changes(client, owned):
    response = client.post(
        f"/customers/{owned.pk}/edit/", _form_data(owned, marketing_consent="on")
    )

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert _consent(owned) == (None, "", None, None)


def test_a_new_customer_can_be_added_with_consent(staff_client, staff_user):
    data = _form_data(CustomerFactory.build(owner=None), marketing_consent="on")
    data["email"] = "new@example.com"

    assert staff_client.post("/customers/new/", data).status_code == 302

    customer = Customer.objects.get(email="new@example.com")
    assert _consent(customer)[1:] == (Source.PROFILE, staff_user, None)


def test_a_new_customer_added_without_the_box_is_not_asked(staff_client):
    data = _form_data(CustomerFactory.build(owner=None))
    data["email"] = "new@example.com"

    staff_client.post("/customers/new/", data)

    assert _consent(Customer.objects.get(email="new@example.com")) == (None, "", None, None)


@pytest.mark.parametrize("value", ["on", "yes", "1", "true", "nonsense"])
def test_any_ticked_value_counts_as_ticked(staff_client, owned, value):
    staff_client.post(f"/customers/{owned.pk}/edit/", _form_data(owned, marketing_consent=value))

    assert _consent(owned)[1] == Source.PROFILE


def test_false_counts_as_unticked(staff_client, owned):
    staff_client.post(f"/customers/{owned.pk}/edit/", _form_data(owned, marketing_consent="false"))

    assert _consent(owned) == (None, "", None, None)


def test_a_post_without_the_boxs_drawn_state_never_withdraws(staff_client, owned):
    services.customer_consent_record(owned, source=Source.DOUBLE_OPT_IN, at=MARCH_3)
    data = _form_data(owned, marketing_consent=None)
    del data["initial-marketing_consent"]

    staff_client.post(f"/customers/{owned.pk}/edit/", data)

    assert _consent(owned)[:2] == (MARCH_3, Source.DOUBLE_OPT_IN)


def test_a_form_sent_back_with_errors_keeps_the_boxs_drawn_state(staff_client, owned):
    services.customer_consent_record(owned, source=Source.DOUBLE_OPT_IN, at=MARCH_3)
    data = _form_data(owned, name="", marketing_consent=None)

    page = staff_client.post(f"/customers/{owned.pk}/edit/", data).content.decode()

    assert 'name="initial-marketing_consent" value="True"' in page
    assert _consent(owned)[:2] == (MARCH_3, Source.DOUBLE_OPT_IN)


# The profile ---------------------------------------------------------------------------------


def _shown(client, customer) -> str:
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    dd = page.split('<dd id="marketing-consent">')[1].split("</dd>")[0]
    return " ".join(dd.split())


def test_the_profile_says_when_how_and_by_whom_they_agreed(staff_client, staff_user, owned):
    services.customer_consent_record(owned, source=Source.PROFILE, by=staff_user, at=MARCH_3)

    page = staff_client.get(f"/customers/{owned.pk}/").content.decode()
    assert "Marketing email" in page
    assert _shown(staff_client, owned) == "agreed on 3 Mar 2026 (Recorded by staff, Sam Staff)"


def test_the_profile_names_the_link_for_a_confirmed_consent(staff_client, owned):
    services.customer_consent_record(owned, source=Source.DOUBLE_OPT_IN, at=MARCH_3)

    assert _shown(staff_client, owned) == "agreed on 3 Mar 2026 (Confirmed by email link)"


def test_the_profile_says_when_they_withdrew(staff_client, owned):
    services.customer_consent_record(owned, source=Source.IMPORT, at=MARCH_3)
    services.customer_consent_withdraw(owned, at=MARCH_3 + datetime.timedelta(days=2))

    assert _shown(staff_client, owned) == "withdrawn on 5 Mar 2026"


def test_the_profile_says_when_they_were_never_asked(staff_client, owned):
    assert _shown(staff_client, owned) == "not asked"


def test_the_profile_warns_that_an_opt_out_stops_marketing_too(staff_client, owned):
    services.customer_consent_record(owned, source=Source.FORM, at=MARCH_3)
    Customer.objects.filter(pk=owned.pk).update(email_opt_out=True)

    shown = _shown(staff_client, owned)
    assert shown.startswith("agreed on 3 Mar 2026 (Public form)")
    assert "None is sent: they opted out of all email." in shown


def test_a_staff_name_on_the_profile_is_escaped(staff_client, owned, staff_user):
    staff_user.first_name = "<b>Sam</b>"
    staff_user.save()
    services.customer_consent_record(owned, source=Source.PROFILE, by=staff_user, at=MARCH_3)

    assert "&lt;b&gt;Sam&lt;/b&gt; Staff" in _shown(staff_client, owned)
