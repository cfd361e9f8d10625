"""The customer's own page about their complaint, /case/<token>/, reached from every email about
the case: what it shows, what it hides, and what the customer can do there."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from core.models import OutgoingEmail
from customers.models import Customer
from interactions.complaints import services as complaints
from interactions.complaints.case_links import case_link_new
from interactions.models import CaseLink, Complaint, ComplaintEvent, FollowUp, Interaction, Reminder
from interactions.signals import customer_experience_changed
from tests.factories import CustomerFactory, UserFactory
from voice.models import Survey

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/case/[A-Za-z0-9_-]+/)")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def handler(db):
    return UserFactory(
        username="sam", first_name="Sam", last_name="Saltmarsh", email="sam.s@rapport.example"
    )


@pytest.fixture
def customer(handler):
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com", owner=handler)


def _open(customer, handler, summary="The boiler service was missed") -> Complaint:
    return complaints.complaint_open(
        customer=customer, summary=summary, severity="normal", opened_by=handler
    )


def _link_in(kind: str, complaint: Complaint) -> str:
    email = OutgoingEmail.objects.filter(kind=kind, about_id=complaint.pk).latest("pk")
    (path,) = set(LINK.findall(email.body_text))
    assert path in email.body_html
    return path


@pytest.fixture
def case(customer, handler):
    return _open(customer, handler)


@pytest.fixture
def page(case):
    return _link_in("complaint-acknowledgement", case)


def _offer(case, handler, remedy=Complaint.Remedy.REFUND):
    complaints.complaint_update(case, actor=handler, remedy=remedy)


def _resolve(case, handler, when=None):
    complaints.complaint_transition(
        case, to_status="resolved", actor=handler, resolution_summary="We came back to service it."
    )
    if when is not None:
        Complaint.objects.filter(pk=case.pk).update(resolved_at=when)
    case.refresh_from_db()


# The link ---------------------------------------------------------------------------------


def test_the_acknowledgement_carries_a_link_of_which_only_the_hash_is_kept(case, page):
    token = page.split("/")[2]
    email = OutgoingEmail.objects.get(kind="complaint-acknowledgement")
    assert email.secret  # the outbox forgets the body, link and all, once it is sent
    (link,) = CaseLink.objects.filter(complaint=case)
    assert token not in link.token_hash
    assert len(token) >= 40


def test_every_later_email_about_the_case_has_a_working_link_of_its_own(client, case, handler):
    _resolve(case, handler)
    first = _link_in("complaint-acknowledgement", case)
    later = _link_in("complaint-resolution", case)

    assert first != later
    assert client.get(first).status_code == 200
    assert client.get(later).status_code == 200


def test_a_token_for_one_case_shows_nothing_of_another(client, customer, handler):
    mine = _open(customer, handler, summary="Mine: the leaking tap")
    other_customer = CustomerFactory(name="Grace Hopper", email="grace@example.com", owner=handler)
    theirs = _open(other_customer, handler, summary="Theirs: the broken heater")

    content = client.get(_link_in("complaint-acknowledgement", mine)).content.decode()

    assert "Mine: the leaking tap" in content
    assert "Theirs: the broken heater" not in content
    assert "Grace Hopper" not in content
    assert f"#{theirs.pk}" not in content


@pytest.mark.parametrize(
    "token", ["made-up-token", "x" * 500, "%00", "ünïcode", "١٢٣٤٥", "' OR 1=1 --"]
)
def test_a_link_that_was_never_ours_is_not_found_kindly(client, token):
    response = client.get(f"/case/{token}/")

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"


def test_a_retired_link_is_gone_with_a_friendly_page(client, case, page, handler):
    complaints.complaint_link_renew(case, actor=handler)

    response = client.get(page)

    assert response.status_code == 410
    assert "This link no longer works" in response.content.decode()
    assert client.post(f"{page}message/", {"message": "Hello?"}).status_code == 410
    assert not ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.REPLY).exists()


def test_a_link_works_for_case_link_days_after_the_case_is_resolved(
    client, settings, case, page, handler
):
    settings.CASE_LINK_DAYS = 30
    _resolve(case, handler, when=timezone.now() - datetime.timedelta(days=29))
    assert client.get(page).status_code == 200

    _resolve_at = timezone.now() - datetime.timedelta(days=31)
    Complaint.objects.filter(pk=case.pk).update(resolved_at=_resolve_at)

    assert client.get(page).status_code == 410


def test_staff_can_send_a_new_link_and_the_old_ones_stop(client, staff_client, case, page):
    # The handler is the customer's owner; staff_client is another member of staff.
    owner_client = Client()
    owner_client.force_login(case.assignee)

    response = owner_client.post(f"/complaints/{case.pk}/new-link/")

    assert response.status_code == 302
    new = _link_in("complaint-link", case)
    assert client.get(page).status_code == 410
    assert client.get(new).status_code == 200
    assert case.events.filter(kind=ComplaintEvent.Kind.LINK).count() == 1


def test_only_those_who_may_work_the_case_send_a_new_link(client, case, page, other_staff_client):
    assert other_staff_client.post(f"/complaints/{case.pk}/new-link/").status_code == 403
    assert client.post(f"/complaints/{case.pk}/new-link/").status_code == 302  # to log in
    assert client.get(page).status_code == 200


# What the page shows ----------------------------------------------------------------------


def test_the_page_shows_who_handles_it_and_our_promises(client, case, page):
    response = client.get(page)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Sam is handling it." in content
    assert "The boiler service was missed" in content
    assert "We promised a first reply by" in content
    assert "We aim to resolve this by" in content
    assert "We received your complaint." in content
    assert response["Referrer-Policy"] == "same-origin"


def test_a_promise_kept_and_one_broken_say_so(client, case, page, handler):
    Complaint.objects.filter(pk=case.pk).update(
        respond_by=timezone.now() - datetime.timedelta(hours=1),
        first_response_at=timezone.now() - datetime.timedelta(hours=3),
        resolve_by=timezone.now() - datetime.timedelta(minutes=5),
    )
    FollowUp.objects.create(
        customer=case.customer,
        complaint=case,
        summary="Ring back about the part",
        due_on=timezone.localdate() + datetime.timedelta(days=2),
        assignee=handler,
        promised=True,
    )

    content = client.get(page).content.decode()

    assert "— replied" in content
    assert "not yet, and we are late: we are sorry" in content
    assert "We promised to get back to you by" in content
    assert "Ring back about the part" not in content  # staff's own words for the job


def test_nothing_internal_appears_on_the_page(client, customer, handler):
    case = complaints.complaint_open(
        customer=customer,
        summary="Late engineer",
        severity="urgent",
        opened_by=handler,
        details="INTERNAL-DETAIL: caller sounded drunk",
    )
    page = _link_in("complaint-acknowledgement", case)
    complaints.complaint_transition(
        case, to_status="in_progress", actor=handler, note="INTERNAL-NOTE: owes us money"
    )
    complaints.complaint_update(case, actor=handler, remedy=Complaint.Remedy.GOODWILL)
    Interaction.objects.create(
        customer=customer, author=handler, kind="note", summary="INTERNAL-TIMELINE: difficult"
    )
    FollowUp.objects.create(
        customer=customer,
        complaint=case,
        summary="INTERNAL-FOLLOW-UP: check credit",
        due_on=timezone.localdate(),
        assignee=handler,
        promised=True,
    )
    Customer.objects.filter(pk=customer.pk).update(
        expectations="INTERNAL-EXPECTATIONS", unmet_wants="INTERNAL-WANTS"
    )

    content = client.get(page).content.decode()

    assert "Late engineer" in content
    for internal in (
        "INTERNAL-",
        "Urgent",
        "urgent",
        "Saltmarsh",
        "sam.s@rapport.example",
        "Severity",
    ):
        assert internal not in content, internal


def test_the_customers_own_words_from_the_public_form_are_what_they_told_us(client, handler):
    from voice.models import FeedbackSubmission
    from voice.services import feedback_process, feedback_store

    UserFactory(username="mona", role="Manager")
    submission = feedback_store(
        name="Ada",
        email="ada@example.com",
        topic=FeedbackSubmission.Topic.COMPLAINT,
        message="Hello,\n\nThe engineer never came on Tuesday & I waited in <all day>.",
        client_address="203.0.113.9",
    )
    submission = feedback_process(submission)

    content = client.get(_link_in("complaint-acknowledgement", submission.complaint)).content
    content = content.decode()

    assert "The engineer never came on Tuesday &amp; I waited in &lt;all day&gt;." in content
    assert "Sent through the feedback form" not in content
    assert "203.0.113.9" not in content


# What the customer can do -----------------------------------------------------------------


def test_accepting_a_remedy_twice_changes_the_case_once(client, case, page, handler):
    _offer(case, handler)
    changed = []

    def record(sender, customer_id, **kwargs):
        changed.append(customer_id)

    customer_experience_changed.connect(record)
    try:
        first = client.post(f"{page}remedy/", {"answer": "accept", "comment": "Thanks!"})
        second = client.post(f"{page}remedy/", {"answer": "accept"})
    finally:
        customer_experience_changed.disconnect(record)

    assert first.status_code == second.status_code == 302
    case.refresh_from_db()
    assert case.remedy_accepted is True
    answers = case.events.filter(kind=ComplaintEvent.Kind.CUSTOMER)
    assert [e.note for e in answers] == ["Remedy accepted by the customer: Refund\nThanks!"]
    assert changed == [case.customer_id]  # the loyalty score's inputs changed once
    assert case.history.filter(remedy_accepted=True).count() == 1
    assert "You accepted it." in client.get(page).content.decode()


def test_a_remedy_can_be_declined_with_a_comment(client, case, page, handler):
    _offer(case, handler, remedy=Complaint.Remedy.REPAIR)

    client.post(f"{page}remedy/", {"answer": "decline", "comment": "I would rather a refund"})

    case.refresh_from_db()
    assert case.remedy_accepted is False
    event = case.events.get(kind=ComplaintEvent.Kind.CUSTOMER)
    assert "declined" in event.note and "I would rather a refund" in event.note


def test_answering_when_nothing_was_offered_is_refused_clearly(client, case, page):
    response = client.post(f"{page}remedy/", {"answer": "accept"})

    assert response.status_code == 409
    assert "There is no offer on this case to answer." in response.content.decode()
    case.refresh_from_db()
    assert case.remedy_accepted is None


def test_a_customers_message_reaches_the_assignee_and_counts_as_contact(
    client, case, page, handler
):
    before = Customer.objects.get(pk=case.customer_id).last_contact_at

    response = client.post(f"{page}message/", {"message": "  Can you come on Friday?  "})

    assert response.status_code == 302
    reply = case.events.get(kind=ComplaintEvent.Kind.REPLY)
    assert reply.note == "Can you come on Friday?"
    assert Reminder.objects.filter(
        kind=Reminder.Kind.COMPLAINT_REPLY, object_id=case.pk, recipient=handler
    ).exists()
    logged = Interaction.objects.get(customer=case.customer, kind=Interaction.Kind.FEEDBACK)
    assert logged.initiated_by == Interaction.Initiator.CUSTOMER
    assert logged.details == "Can you come on Friday?"
    assert Customer.objects.get(pk=case.customer_id).last_contact_at > before
    assert "Can you come on Friday?" in client.get(page).content.decode()


def test_saying_it_is_not_fixed_reopens_the_case(client, case, page, handler):
    _resolve(case, handler)

    response = client.post(f"{page}fixed/", {"answer": "not_fixed", "comment": "Still cold"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Complaint.Status.OPEN
    assert Reminder.objects.filter(kind=Reminder.Kind.COMPLAINT_REPLY, object_id=case.pk).exists()
    assert "Still cold" in case.events.get(kind=ComplaintEvent.Kind.CUSTOMER).note
    # Open again, it is not for them to say it is fixed until it is resolved again.
    again = client.post(f"{page}fixed/", {"answer": "fixed"})
    assert again.status_code == 409


def test_saying_it_is_fixed_is_recorded_once(client, case, page, handler):
    _resolve(case, handler)

    client.post(f"{page}fixed/", {"answer": "fixed"})
    client.post(f"{page}fixed/", {"answer": "fixed"})

    case.refresh_from_db()
    assert case.customer_says_fixed is True
    assert case.status == Complaint.Status.RESOLVED
    assert case.events.filter(kind=ComplaintEvent.Kind.CUSTOMER).count() == 1


def test_the_survey_is_reached_from_the_resolved_case_and_taken_once(client, case, page, handler):
    assert client.get(f"{page}survey/").status_code == 302  # not resolved yet: back to the case
    _resolve(case, handler)

    form = client.get(f"{page}survey/")
    answered = client.post(
        f"{page}survey/", {"satisfaction": "4", "recommend": "9", "considered_switching": "no"}
    )

    assert form.status_code == 200
    assert answered.status_code == 200
    survey = Survey.objects.get(complaint=case)
    assert survey.is_answered and survey.recommend == 9
    assert survey.state == Survey.State.ON_CASE_PAGE  # never emailed on top
    (answer,) = case.events.filter(kind=ComplaintEvent.Kind.CUSTOMER)
    assert answer.note == (
        "The customer answered the survey: satisfaction 4 of 5, would recommend us 9 of 10."
    )
    assert client.get(f"{page}survey/").status_code == 410


def test_every_action_needs_the_pages_csrf_token(case, page, handler):
    _offer(case, handler)
    browser = Client(enforce_csrf_checks=True)

    for action, data in (
        ("message/", {"message": "Hi"}),
        ("remedy/", {"answer": "accept"}),
        ("fixed/", {"answer": "fixed"}),
    ):
        assert browser.post(f"{page}{action}", data).status_code == 403
    case.refresh_from_db()
    assert case.remedy_accepted is None
    assert not case.events.filter(kind=ComplaintEvent.Kind.REPLY).exists()


def test_the_page_takes_only_so_much_in_an_hour(client, settings, case, page):
    settings.CASE_PAGE_RATE_LIMIT = 2
    for n in range(2):
        assert client.post(f"{page}message/", {"message": f"Message {n}"}).status_code == 302

    refused = client.post(f"{page}message/", {"message": "One too many"})

    assert refused.status_code == 429
    assert "try again later" in refused.content.decode()
    assert case.events.filter(kind=ComplaintEvent.Kind.REPLY).count() == 2


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"message": ""}, "Write your message first."),
        ({"message": "   "}, "Write your message first."),
        ({"message": "x" * 5001}, "at most 5000 characters"),
        ({"message": "null\x00byte"}, "Null characters are not allowed."),
    ],
)
def test_a_bad_message_is_refused_with_a_clear_word(client, case, page, data, error):
    response = client.post(f"{page}message/", data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not case.events.filter(kind=ComplaintEvent.Kind.REPLY).exists()


@pytest.mark.parametrize("answer", ["", "yes", "١", "accept\x00", "A" * 10_000])
def test_a_made_up_answer_changes_nothing(client, case, page, handler, answer):
    _offer(case, handler)

    response = client.post(f"{page}remedy/", {"answer": answer})

    assert response.status_code == 400
    assert "Choose whether you accept what we offer." in response.content.decode()
    case.refresh_from_db()
    assert case.remedy_accepted is None


def test_any_script_is_kept_as_written_and_shown_as_text(client, case, page):
    text = '<script>alert(1)</script> 🙂 مرحبا ＡＢＣ١٢٣ =HYPERLINK("x")'

    client.post(f"{page}message/", {"message": text})

    assert case.events.get(kind=ComplaintEvent.Kind.REPLY).note == text
    content = client.get(page).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 🙂 مرحبا ＡＢＣ١٢٣" in content


def test_a_malformed_body_is_not_a_server_error(client, case, page):
    response = client.post(
        f"{page}message/",
        b"message=%FF%FE%C3%28&answer=\xff",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in (302, 400)


def test_only_get_shows_the_page_and_only_post_acts(client, page):
    assert client.post(page).status_code == 405
    assert client.get(f"{page}message/").status_code == 405
    assert client.get(f"{page}remedy/").status_code == 405


# What staff see ---------------------------------------------------------------------------


def test_staff_see_when_the_customer_last_looked(client, case, page):
    staff = Client()
    staff.force_login(case.assignee)
    assert "Not opened by the customer yet" in staff.get(f"/complaints/{case.pk}/").content.decode()

    # Reading the page writes nothing (link scanners fetch it too); the page's script, run by a
    # person's browser, says it is open.
    client.get(page)
    assert Complaint.objects.get(pk=case.pk).customer_seen_at is None
    assert client.post(f"{page}seen/").status_code == 204

    content = staff.get(f"/complaints/{case.pk}/").content.decode()
    assert "Seen by the customer" in content
    assert Complaint.objects.get(pk=case.pk).history.count() == case.history.count()


def test_a_retired_link_does_not_count_as_seen(client, case, page, handler):
    complaints.complaint_link_renew(case, actor=handler)

    assert client.post(f"{page}seen/").status_code == 410
    assert client.post("/case/made-up/seen/").status_code == 404
    assert Complaint.objects.get(pk=case.pk).customer_seen_at is None


def test_staff_tell_the_customer_with_a_message_written_for_the_step(client, case, page, handler):
    staff = Client()
    staff.force_login(handler)
    complaints.complaint_transition(case, to_status="in_progress", actor=handler)

    detail = staff.get(f"/complaints/{case.pk}/").content.decode()
    assert "Sam is working on this and we aim to have it put right by" in detail

    response = staff.post(
        f"/complaints/{case.pk}/tell/", {"message": "Sam here: the part arrives Thursday."}
    )

    assert response.status_code == 302
    email = OutgoingEmail.objects.get(kind="complaint-update")
    assert "Sam here: the part arrives Thursday." in email.body_text
    assert LINK.search(email.body_text)
    assert email.secret
    assert "Sam here: the part arrives Thursday." in client.get(page).content.decode()


def test_the_first_message_to_the_customer_is_the_first_response(client, case, page, handler):
    staff = Client()
    staff.force_login(handler)

    staff.post(f"/complaints/{case.pk}/tell/", {"message": "We are on it."})

    case.refresh_from_db()
    assert case.first_response_at is not None
    assert case.history.filter(first_response_at__isnull=False).exists()
    content = client.get(page).content.decode()
    assert "Sam is looking at it." in content
    assert "— replied" in content


def test_telling_a_customer_who_takes_no_email_says_so(case, handler):
    Customer.objects.filter(pk=case.customer_id).update(email_opt_out=True)
    staff = Client()
    staff.force_login(handler)

    response = staff.post(f"/complaints/{case.pk}/tell/", {"message": "News"})

    assert response.status_code == 200
    assert "The customer takes no email: tell them another way." in response.content.decode()
    assert not case.events.filter(kind=ComplaintEvent.Kind.TOLD).exists()


def test_a_new_link_is_made_per_email_without_touching_the_others(case):
    before = CaseLink.objects.filter(complaint=case, retired_at__isnull=True).count()

    case_link_new(case)

    assert CaseLink.objects.filter(complaint=case, retired_at__isnull=True).count() == before + 1
