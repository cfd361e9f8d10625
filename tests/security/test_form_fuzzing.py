"""Every form a person can submit, fed hostile input through the real view.

Each example posts one generated body and holds the view to one rule: it either accepts the
submission (a redirect within the site) or refuses it on a page that shows every reason, and a
refusal writes nothing. A 5xx, a silent refusal or a half-written refusal fails the test with
the example that caused it. Runs on PostgreSQL, which unlike SQLite refuses NUL characters.
"""

import datetime

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import example, given
from hypothesis import strategies as st

from customers.models import Customer
from customers.unsubscribe import unsubscribe_token
from interactions.models import Complaint, FollowUp, Interaction
from tests.factories import PASSWORD, CustomerFactory, TagFactory
from tests.interactions.factories import ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory, InteractionFactory
from tests.interactions.reminder_factories import ReminderFactory, due_customer
from tests.voice.factories import sent_survey
from voice.models import FeedbackSubmission, Survey

from .fuzz_helpers import (
    ANY_CHAR,
    check_outcome,
    choice,
    days_from_today,
    db_fingerprint,
    fuzz,
    junk,
    next_url,
    post_and_check,
    rolled_back,
    submissions,
    text,
)


def when():
    """A datetime-local value as the browser's picker sends it: mostly in the past year, now
    and then any time from year 1 to 9999."""
    recent = st.integers(min_value=0, max_value=60 * 24 * 365).map(
        lambda minutes: (timezone.localtime() - datetime.timedelta(minutes=minutes)).strftime(
            "%Y-%m-%dT%H:%M"
        )
    )
    return st.one_of(recent, recent, st.datetimes().map(lambda moment: moment.isoformat()[:16]))


def pks(*objects):
    return st.sampled_from([str(obj.pk) for obj in objects])


emails = st.one_of(
    st.from_regex(r"[a-z0-9._%+-]{1,20}@example\.(com|org)", fullmatch=True),
    st.emails().map(str),
    text(),
)


@pytest.fixture
def customer(staff_user):
    return CustomerFactory(owner=staff_user, name="Ada Owned", email="ada@example.com")


# Customers ----------------------------------------------------------------------------------


def customer_fields(owners=None):
    fields = {
        "name": text(),
        "company": st.one_of(st.just(""), text()),
        "email": st.one_of(st.just(""), st.just("ada@example.com"), emails),
        "phone": st.one_of(st.just(""), st.from_regex(r"\+?[0-9 ]{5,20}", fullmatch=True)),
        "preferred_channel": choice(Customer.Channel.values),
        "temperament": choice(Customer.Temperament.values),
        "expectations": st.one_of(st.just(""), text(300)),
        "unmet_wants": st.one_of(st.just(""), text(300)),
        "customer_since": days_from_today(-20 * 365, 30),
        "segment": choice(Customer.Segment.values),
        "status": choice(Customer.Status.values),
        "checkin_cadence_days": st.one_of(st.just(""), st.integers(1, 3650).map(str)),
        "birthday": st.one_of(st.just(""), days_from_today(-90 * 365, -365)),
        "email_opt_out": st.sampled_from(["", "on"]),
        "tags_text": st.one_of(st.just(""), st.lists(text(20), max_size=4).map(", ".join)),
    }
    if owners is not None:
        fields["owner"] = st.one_of(st.just(""), owners)
    return fields


@fuzz()
@given(data=st.data())
def test_adding_a_customer_accepts_or_explains_any_input(manager_client, customer, data):
    TagFactory(name="vip")
    owners = pks(customer.owner)
    body = data.draw(submissions(customer_fields(owners)))
    post_and_check(manager_client, reverse("customers:create"), body)


@fuzz()
@given(data=st.data())
def test_editing_a_customer_accepts_or_explains_any_input(staff_client, customer, data):
    body = data.draw(submissions(customer_fields()))
    post_and_check(staff_client, reverse("customers:edit", args=[customer.pk]), body)


@pytest.mark.parametrize("since", ["9999-12-31", "9990-01-01"])
def test_a_customer_since_date_years_ahead_is_refused_not_a_500(staff_client, since):
    # Once a 500: the check-in date, counted from it, fell past the last date Python has.
    response = staff_client.post(
        reverse("customers:create"),
        {
            "name": "Ada",
            "customer_since": since,
            "preferred_channel": "email",
            "temperament": "unknown",
            "status": "active",
        },
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["customer_since"]
    assert error.startswith("Enter a date no later than ") and error.endswith("check the year.")
    assert not Customer.objects.exists()


@fuzz()
@given(data=st.data())
def test_reassigning_customers_accepts_or_explains_any_input(
    manager_client, manager_user, customer, data
):
    other = CustomerFactory(owner=None)
    body = data.draw(
        submissions(
            {
                "owner": st.one_of(st.just(""), pks(manager_user, customer.owner)),
                "customers": st.lists(pks(customer, other), min_size=1, max_size=2),
                "next": next_url,
            }
        )
    )
    post_and_check(manager_client, reverse("customers:reassign"), body)


# Interactions and follow-ups ------------------------------------------------------------------


def interaction_fields():
    return {
        "kind": choice(Interaction.Kind.values),
        "channel": choice(Interaction.Channel.values),
        "occurred_at": when(),
        "summary": text(),
        "details": st.one_of(st.just(""), text(500)),
        "initiated_by": choice(Interaction.Initiator.values),
        "outcome": choice(Interaction.Outcome.values),
        "satisfaction": st.sampled_from(["", "1", "2", "3", "4", "5"]),
    }


@fuzz()
@given(data=st.data())
def test_logging_an_interaction_accepts_or_explains_any_input(staff_client, customer, data):
    fields = {
        **interaction_fields(),
        "follow_up_on": st.one_of(st.just(""), days_from_today(0, 60)),
        "follow_up_summary": st.one_of(st.just(""), text()),
        "follow_up_promised": st.sampled_from(["", "on"]),
        "next": next_url,
    }
    body = data.draw(submissions(fields))
    post_and_check(staff_client, reverse("interactions:log", args=[customer.pk]), body)


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00Z", "1899-12-31T23:59"])
def test_an_interaction_back_dated_before_1900_is_refused_not_a_500(
    staff_client, customer, occurred_at
):
    # Once a 500: midnight on 1 January of year 1 in UTC is still year 0 in London, where the
    # day's counts were then looked up.
    body = {
        "kind": "call",
        "channel": "phone",
        "occurred_at": occurred_at,
        "summary": "Rang about the order",
        "initiated_by": "us",
        "outcome": "met",
    }
    response = staff_client.post(reverse("interactions:log", args=[customer.pk]), body)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "occurred_at": ["That is before 1900: check the year."]
    }
    assert not Interaction.objects.exists()


@fuzz()
@given(data=st.data())
def test_editing_an_interaction_accepts_or_explains_any_input(staff_client, customer, data):
    interaction = InteractionFactory(customer=customer)
    body = data.draw(submissions({**interaction_fields(), "next": next_url}))
    url = reverse("interactions:interaction-edit", args=[interaction.pk])
    post_and_check(staff_client, url, body)


@fuzz()
@given(data=st.data())
def test_adding_a_follow_up_accepts_or_explains_any_input(
    staff_client, staff_user, other_staff_user, customer, data
):
    interaction = InteractionFactory(customer=customer)
    someone_elses = InteractionFactory(customer=CustomerFactory(owner=other_staff_user))
    body = data.draw(
        submissions(
            {
                "summary": text(),
                "due_on": days_from_today(0, 60),
                "assignee": pks(staff_user, other_staff_user),
                "promised": st.sampled_from(["", "on"]),
                "interaction": st.one_of(st.just(""), pks(interaction, someone_elses)),
                "next": next_url,
            }
        )
    )
    post_and_check(staff_client, reverse("interactions:follow-up-new", args=[customer.pk]), body)


ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    "spelling",
    ["²", "①", "9" * 5000, "its id in Arabic-Indic digits"],
    ids=["superscript", "circled", "5000-digits", "arabic-indic"],
)
def test_a_follow_up_on_an_interaction_not_named_in_plain_digits_is_refused_not_a_500(
    staff_client, staff_user, customer, spelling
):
    # Once a 500: str.isdigit() passed "²" and 5,000 digits, and the lookup's int() refused
    # them. A real id in another script's digits is refused too: ids are ASCII.
    interaction = InteractionFactory(customer=customer)
    raw = spelling
    if spelling.startswith("its id"):
        raw = str(interaction.pk).translate(ARABIC_INDIC_DIGITS)
    response = staff_client.post(
        reverse("interactions:follow-up-new", args=[customer.pk]),
        {
            "summary": "Call back with the quote",
            "due_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
            "assignee": str(staff_user.pk),
            "interaction": raw,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "That interaction is not one of this customer's."
    ]
    assert not FollowUp.objects.exists()


snooze_fields = {
    "snooze": st.sampled_from(["day", "week", "date"]),
    "until": st.one_of(st.just(""), days_from_today(-2, 60)),
    "next": next_url,
}


@fuzz()
@given(data=st.data())
def test_snoozing_a_follow_up_accepts_or_explains_any_input(staff_client, customer, data):
    follow_up = FollowUpFactory(customer=customer)
    body = data.draw(submissions(snooze_fields))
    url = reverse("interactions:follow-up-snooze", args=[follow_up.pk])
    post_and_check(staff_client, url, body)


# Reminders ------------------------------------------------------------------------------------


@pytest.fixture
def reminder(staff_user):
    today = timezone.localdate()
    return ReminderFactory(customer=due_customer(staff_user, "Due Today", today), due_on=today)


@fuzz()
@given(data=st.data())
def test_snoozing_a_reminder_accepts_or_explains_any_input(staff_client, reminder, data):
    body = data.draw(
        submissions(
            {
                "period": st.sampled_from(["day", "week", "date"]),
                "until": st.one_of(st.just(""), days_from_today(-2, 60)),
                "next": next_url,
            }
        )
    )
    url = reverse("interactions:reminder-snooze", args=[reminder.pk])
    post_and_check(staff_client, url, body)


@fuzz()
@given(data=st.data())
def test_dismissing_a_reminder_accepts_or_explains_any_input(staff_client, reminder, data):
    body = data.draw(submissions({"reason": text(), "next": next_url}))
    url = reverse("interactions:reminder-dismiss", args=[reminder.pk])
    post_and_check(staff_client, url, body)


# Complaints -----------------------------------------------------------------------------------


@fuzz()
@given(data=st.data())
def test_opening_a_complaint_accepts_or_explains_any_input(
    staff_client, manager_user, customer, data
):
    logged = InteractionFactory(customer=customer, kind=Interaction.Kind.COMPLAINT)
    other = InteractionFactory(customer=CustomerFactory(), kind=Interaction.Kind.COMPLAINT)
    body = data.draw(
        submissions(
            {
                "summary": text(),
                "severity": choice(Complaint.Severity.values),
                "assignee": st.one_of(st.just(""), pks(manager_user, customer.owner)),
                "channel": choice(Interaction.Channel.values),
                "details": st.one_of(st.just(""), text(500)),
                "interaction": st.one_of(st.just(""), pks(logged, other)),
            }
        )
    )
    url = reverse("interactions:complaint-new", args=[customer.pk])
    post_and_check(staff_client, url, body)


@fuzz()
@given(data=st.data())
def test_moving_a_complaint_along_accepts_or_explains_any_input(staff_client, customer, data):
    complaint = ComplaintFactory(customer=customer)
    body = data.draw(
        submissions(
            {
                "to_status": choice(Complaint.Status.values),
                "resolution_summary": st.one_of(st.just(""), text(300)),
                "note": st.one_of(st.just(""), text(300)),
            }
        )
    )
    url = reverse("interactions:complaint-transition", args=[complaint.pk])
    post_and_check(staff_client, url, body, form_key="transition_form")


@fuzz()
@given(data=st.data())
def test_updating_a_complaint_accepts_or_explains_any_input(
    staff_client, manager_user, customer, data
):
    complaint = ComplaintFactory(customer=customer)
    body = data.draw(
        submissions(
            {
                "assignee": pks(manager_user, customer.owner),
                "remedy": choice(Complaint.Remedy.values),
                "remedy_accepted": st.sampled_from(["", "true", "false", "unknown"]),
            }
        )
    )
    url = reverse("interactions:complaint-update", args=[complaint.pk])
    post_and_check(staff_client, url, body, form_key="update_form")


# Public pages ---------------------------------------------------------------------------------


@fuzz()
@given(data=st.data())
def test_the_public_feedback_form_accepts_or_explains_any_input(client, db, data):
    body = data.draw(
        submissions(
            {
                "name": text(),
                "email": emails,
                "phone": st.one_of(
                    st.just(""), st.from_regex(r"\+?[0-9 ()-]{5,30}", fullmatch=True)
                ),
                "topic": choice(FeedbackSubmission.Topic.values),
                "message": text(2000),
                "order_ref": st.one_of(st.just(""), text(20)),
                "website": st.sampled_from(["", "", "", "http://spam.example"]),
            }
        )
    )
    too_big = "That was too much to send in one go."
    post_and_check(client, reverse("voice:feedback"), body, refusals=[(413, too_big)])


def _answered_survey_page(response) -> bool:
    return response.status_code == 200 and any(
        template.name == "voice/survey_thanks.html" for template in response.templates
    )


@fuzz()
@given(data=st.data())
def test_answering_a_survey_accepts_or_explains_any_input(client, staff_user, data):
    body = data.draw(
        submissions(
            {
                "satisfaction": st.sampled_from([str(n) for n in range(1, 6)]),
                "recommend": st.sampled_from([str(n) for n in range(0, 11)]),
                "unmet_want": st.one_of(st.just(""), text(300)),
                "considered_switching": choice(Survey.Switching.values),
                "comment": st.one_of(st.just(""), text(500)),
            }
        )
    )
    with rolled_back():
        _survey, path = sent_survey(customer=CustomerFactory(owner=staff_user))
        before = db_fingerprint()
        response = client.post(path, body)
        check_outcome(client, response, before, is_accepted=_answered_survey_page)


def path_segment(token: str) -> str:
    """The token as one segment of a path: without the characters that would end it."""
    return "".join(char for char in token if char not in "/?#%") or "x"


@fuzz()
@given(token=st.one_of(st.text(ANY_CHAR, min_size=1), junk).map(path_segment))
def test_a_made_up_survey_or_unsubscribe_link_gets_a_page_not_an_error(client, db, token):
    for path in (f"/survey/{token}/", f"/unsubscribe/{token}/"):
        with rolled_back():
            before = db_fingerprint()
            response = client.post(path, {"satisfaction": "5"})
            assert response.status_code == 404, path
            assert db_fingerprint() == before


@fuzz()
@given(data=st.data())
def test_unsubscribing_works_only_with_a_real_link(client, customer, data):
    token = data.draw(st.one_of(st.just(unsubscribe_token(customer)), junk.map(path_segment)))
    body = data.draw(st.dictionaries(st.text(ANY_CHAR, max_size=5), junk, max_size=2))
    with rolled_back():
        response = client.post(f"/unsubscribe/{token}/", body)
        assert response.status_code in (200, 404)
        customer.refresh_from_db()
        assert customer.email_opt_out == (response.status_code == 200)


# Logging in and passwords ----------------------------------------------------------------------


@fuzz()
@given(data=st.data())
@pytest.mark.parametrize("login_url", ["login", "admin:login"])
def test_logging_in_accepts_or_explains_any_input(client, staff_user, login_url, data):
    body = data.draw(
        submissions(
            {
                "username": st.one_of(st.just("sam"), st.just("SAM"), text()),
                "password": st.one_of(st.just(PASSWORD), text()),
                "next": next_url,
            }
        )
    )
    post_and_check(client, reverse(login_url), body)


@pytest.mark.parametrize("login_url", ["login", "admin:login"])
def test_a_username_longer_than_the_lockout_record_holds_is_refused_not_a_500(
    client, staff_user, login_url
):
    response = client.post(reverse(login_url), {"username": "0" * 300, "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


@fuzz()
@given(data=st.data())
def test_asking_for_a_password_reset_accepts_or_explains_any_input(client, staff_user, data):
    body = data.draw(submissions({"email": st.one_of(st.just(staff_user.email), emails)}))
    post_and_check(client, reverse("password_reset"), body)


new_passwords = st.one_of(
    st.just("a-much-better-passphrase"), st.just("short"), st.just("password"), text(60)
)


@fuzz()
@given(data=st.data())
def test_choosing_a_new_password_from_a_reset_link_accepts_or_explains_any_input(
    client, staff_user, data
):
    first = data.draw(new_passwords)
    body = data.draw(
        submissions(
            {
                "new_password1": st.just(first),
                "new_password2": st.one_of(st.just(first), new_passwords),
            }
        )
    )
    uid = urlsafe_base64_encode(force_bytes(staff_user.pk))
    token = default_token_generator.make_token(staff_user)
    with rolled_back():
        # The link puts the token in the session and redirects to the form's own address.
        form_url = client.get(reverse("password_reset_confirm", args=[uid, token])).url
        before = db_fingerprint()
        response = client.post(form_url, body)
        check_outcome(client, response, before)


@fuzz()
@given(data=st.data())
def test_changing_a_password_accepts_or_explains_any_input(client, staff_user, data):
    first = data.draw(new_passwords)
    body = data.draw(
        submissions(
            {
                "old_password": st.one_of(st.just(PASSWORD), text()),
                "new_password1": st.just(first),
                "new_password2": st.one_of(st.just(first), new_passwords),
            }
        )
    )
    with rolled_back():
        # A changed password starts a new session, which the rollback then removes: each
        # example signs in afresh.
        client.force_login(staff_user)
        before = db_fingerprint()
        response = client.post(reverse("password_change"), body)
        check_outcome(client, response, before)


# One-click buttons and filters ----------------------------------------------------------------


@fuzz(15)
@given(next_page=next_url, extra=st.dictionaries(st.text(ANY_CHAR, max_size=8), junk, max_size=2))
@example(next_page="0", extra={})  # once a 500: redirect() took a bare word for a view's name
def test_one_click_buttons_go_back_only_within_the_site(
    manager_client, staff_user, customer, next_page, extra
):
    follow_up = FollowUpFactory(customer=customer, assignee=staff_user)
    today = timezone.localdate()
    reminder = ReminderFactory(
        customer=due_customer(staff_user, "Due Today", today), due_on=today, recipient=staff_user
    )
    urls = [
        reverse("interactions:follow-up-done", args=[follow_up.pk]),
        reverse("interactions:reminder-done", args=[reminder.pk]),
        reverse("customers:archive", args=[customer.pk]),
        reverse("customers:restore", args=[customer.pk]),
    ]
    for url in urls:
        assert post_and_check(manager_client, url, {**extra, "next": next_page}) == "accepted"


LIST_PAGES = [
    ("customers:list", ["q", "owner", "status", "segment", "tag", "overdue", "sort", "page"]),
    ("interactions:complaints", ["status", "severity", "assignee", "page"]),
    ("interactions:follow-ups", ["tab", "assignee", "promised", "overdue", "page"]),
    ("dashboard", ["period"]),
]


@fuzz(10)
@given(data=st.data())
@pytest.mark.parametrize("name, params", LIST_PAGES, ids=[name for name, _ in LIST_PAGES])
def test_filters_and_pages_show_the_page_whatever_the_query(
    manager_client, customer, name, params, data
):
    query = data.draw(
        st.dictionaries(st.sampled_from(params), st.one_of(junk, st.lists(junk, max_size=3)))
    )
    response = manager_client.get(reverse(name), query)
    assert response.status_code == 200


@fuzz(10)
@given(data=st.data())
@pytest.mark.parametrize(
    "name", ["customers:detail", "interactions:history", "interactions:history-csv"]
)
def test_the_timeline_filters_show_the_page_whatever_the_query(
    manager_client, customer, name, data
):
    InteractionFactory(customer=customer)
    query = data.draw(
        st.dictionaries(
            st.sampled_from(["kind", "author", "start", "end", "page", "follow_up_for"]),
            st.one_of(junk, st.lists(junk, max_size=3)),
        )
    )
    response = manager_client.get(reverse(name, args=[customer.pk]), query)
    assert response.status_code == 200
    if name == "interactions:history-csv":
        b"".join(response.streaming_content)  # the rows are read as the response streams


@pytest.mark.parametrize(
    "name", ["customers:detail", "interactions:history", "interactions:history-csv"]
)
def test_a_timeline_to_the_last_day_there_is_shows_every_entry_not_a_500(
    manager_client, customer, name
):
    # Once a 500 (and a CSV download cut off after its 200): the day after 9999-12-31, the
    # filter's upper bound, cannot be counted.
    InteractionFactory(customer=customer, summary="Asked about the boiler service")
    response = manager_client.get(
        reverse(name, args=[customer.pk]), {"start": "0001-01-01", "end": "9999-12-31"}
    )
    assert response.status_code == 200
    if response.streaming:
        body = b"".join(response.streaming_content).decode()
    else:
        body = response.content.decode()
    assert "Asked about the boiler service" in body
