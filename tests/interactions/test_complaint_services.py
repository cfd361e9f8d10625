"""Complaint services: the whole status workflow, targets by severity, and where a case stands."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.models import OutgoingEmail
from core.outbox.tasks import send_emails
from interactions.complaints import services as complaints
from interactions.complaints.services import complaint_open, complaint_targets, complaint_transition
from interactions.models import Complaint, ComplaintEvent, Interaction
from tests.factories import CustomerFactory, UserFactory
from tests.outbox import queued

from .factories import ComplaintFactory, InteractionFactory

pytestmark = pytest.mark.django_db

S = Complaint.Status
# The workflow as the issue states it, written out so a change to the model has to change this.
ALLOWED = {
    (S.OPEN, S.ACKNOWLEDGED),
    (S.OPEN, S.IN_PROGRESS),
    (S.OPEN, S.RESOLVED),
    (S.ACKNOWLEDGED, S.IN_PROGRESS),
    (S.ACKNOWLEDGED, S.RESOLVED),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.OPEN),
    (S.CLOSED, S.OPEN),
}
ALL_PAIRS = list(itertools.product(S.values, repeat=2))
REFUSED = sorted(set(ALL_PAIRS) - ALLOWED)
T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


def _complaint_in(status, **fields):
    """A case that has reached ``status`` the ordinary way."""
    now = timezone.now()
    if status != S.OPEN:
        fields.setdefault("first_response_at", now)
    if status in (S.RESOLVED, S.CLOSED):
        fields.setdefault("resolved_at", now)
        fields.setdefault("resolution_summary", "Replaced the part.")
    if status == S.CLOSED:
        fields.setdefault("closed_at", now)
    return ComplaintFactory(status=status, **fields)


def test_the_table_covers_every_pair():
    assert len(ALL_PAIRS) == 25
    assert len(ALLOWED) == 9 and len(REFUSED) == 16
    assert {(f, t) for f, targets in Complaint.TRANSITIONS.items() for t in targets} == ALLOWED


@pytest.mark.parametrize(("from_status", "to_status"), sorted(ALLOWED))
def test_allowed_move_changes_the_status_and_records_an_event(from_status, to_status):
    complaint = _complaint_in(from_status)
    actor = UserFactory()

    complaint_transition(
        complaint, to_status=to_status, actor=actor, resolution_summary="Sent a new kettle."
    )

    complaint.refresh_from_db()
    assert complaint.status == to_status
    event = complaint.events.get(kind=ComplaintEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.actor) == (from_status, to_status, actor)


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_refused_move_raises_and_changes_nothing(from_status, to_status):
    complaint = _complaint_in(from_status)
    before = Complaint.objects.filter(pk=complaint.pk).values().get()

    with pytest.raises(ValidationError) as raised:
        complaint_transition(
            complaint, to_status=to_status, actor=UserFactory(), resolution_summary="Done."
        )

    assert "cannot move to" in raised.value.messages[0]
    assert Complaint.objects.filter(pk=complaint.pk).values().get() == before
    assert not complaint.events.exists()


def test_an_unknown_status_is_refused_with_a_message():
    complaint = _complaint_in(S.OPEN)

    with pytest.raises(ValidationError, match="cannot move to escalated"):
        complaint_transition(complaint, to_status="escalated", actor=UserFactory())

    complaint.refresh_from_db()
    assert complaint.status == S.OPEN


@pytest.mark.parametrize("summary", ["", "   \n "])
def test_resolving_needs_a_resolution_summary(summary):
    complaint = _complaint_in(S.IN_PROGRESS)

    with pytest.raises(ValidationError) as raised:
        complaint_transition(
            complaint, to_status=S.RESOLVED, actor=UserFactory(), resolution_summary=summary
        )

    assert "resolution_summary" in raised.value.message_dict
    complaint.refresh_from_db()
    assert complaint.status == S.IN_PROGRESS
    assert complaint.resolved_at is None


def test_resolving_records_when_and_how():
    complaint = _complaint_in(S.ACKNOWLEDGED)

    complaint_transition(
        complaint, to_status=S.RESOLVED, actor=UserFactory(), resolution_summary="  Refunded. "
    )

    complaint.refresh_from_db()
    assert complaint.resolved_at is not None
    assert complaint.resolution_summary == "Refunded."
    assert complaint.events.get(kind=ComplaintEvent.Kind.STATUS).note == "Refunded."


def test_first_response_is_the_first_move_out_of_open_and_is_kept():
    complaint = _complaint_in(S.OPEN)
    actor = UserFactory()

    complaint_transition(complaint, to_status=S.ACKNOWLEDGED, actor=actor)
    first = Complaint.objects.get(pk=complaint.pk).first_response_at
    complaint_transition(complaint, to_status=S.IN_PROGRESS, actor=actor)

    assert first is not None
    assert Complaint.objects.get(pk=complaint.pk).first_response_at == first


@pytest.mark.parametrize("from_status", [S.RESOLVED, S.CLOSED])
def test_reopening_clears_resolved_and_closed(from_status):
    complaint = _complaint_in(from_status, resolution_notice_sent_at=timezone.now())

    complaint_transition(complaint, to_status=S.OPEN, actor=UserFactory(), note="Broke again.")

    complaint.refresh_from_db()
    assert complaint.status == S.OPEN
    assert complaint.resolved_at is None
    assert complaint.closed_at is None
    # A second resolution is news to the customer: it gets its own notice.
    assert complaint.resolution_notice_sent_at is None
    assert complaint.is_open
    assert complaint.events.get().note == "Broke again."


def test_closing_records_when():
    complaint = _complaint_in(S.RESOLVED)

    complaint_transition(complaint, to_status=S.CLOSED, actor=UserFactory())

    complaint.refresh_from_db()
    assert complaint.closed_at is not None
    assert complaint.resolved_at is not None


# Targets --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "respond_hours", "resolve_hours"),
    [("urgent", 1, 24), ("high", 4, 3 * 24), ("normal", 24, 7 * 24), ("low", 48, 14 * 24)],
)
def test_targets_follow_the_severity(severity, respond_hours, resolve_hours):
    respond_by, resolve_by = complaint_targets(severity, T0)

    assert respond_by == T0 + datetime.timedelta(hours=respond_hours)
    assert resolve_by == T0 + datetime.timedelta(hours=resolve_hours)

    complaint = complaint_open(
        customer=CustomerFactory(),
        summary="Late delivery",
        severity=severity,
        opened_by=UserFactory(),
    )
    assert complaint.respond_by - complaint.opened_at == datetime.timedelta(hours=respond_hours)
    assert complaint.resolve_by - complaint.opened_at == datetime.timedelta(hours=resolve_hours)


def _normal_case(**fields):
    # Normal: respond within 24 hours, resolve within 7 days of T0.
    respond_by, resolve_by = complaint_targets("normal", T0)
    return Complaint(opened_at=T0, respond_by=respond_by, resolve_by=resolve_by, **fields)


def _hours(n):
    return T0 + datetime.timedelta(hours=n)


@pytest.mark.parametrize(
    ("fields", "now", "expected"),
    [
        # Nobody has responded: the response target counts.
        ({}, _hours(1), "on_track"),
        ({}, _hours(17.9), "on_track"),
        ({}, _hours(18), "due_soon"),  # three quarters of 24 hours gone
        ({}, _hours(24), "due_soon"),
        ({}, _hours(24.1), "breached"),
        # Responded: the resolution target (168 hours) counts.
        ({"status": "acknowledged", "first_response_at": _hours(2)}, _hours(25), "on_track"),
        ({"status": "in_progress", "first_response_at": _hours(2)}, _hours(126), "due_soon"),
        ({"status": "in_progress", "first_response_at": _hours(2)}, _hours(169), "breached"),
        # Finished: met or not, whatever the time now.
        (
            {"status": "resolved", "first_response_at": _hours(2), "resolved_at": _hours(100)},
            _hours(500),
            "met",
        ),
        (
            {"status": "closed", "first_response_at": _hours(2), "resolved_at": _hours(200)},
            _hours(500),
            "breached",
        ),
    ],
)
def test_target_status(fields, now, expected):
    assert _normal_case(**fields).target_status(now) == expected


# Opening --------------------------------------------------------------------------------------


def test_opening_logs_the_complaint_on_the_timeline_and_assigns_the_owner():
    owner = UserFactory()
    customer = CustomerFactory(owner=owner, last_contact_at=None)
    staff = UserFactory()

    complaint = complaint_open(
        customer=customer,
        summary="Boiler still cold",
        severity="high",
        opened_by=staff,
        details="Third visit.",
        channel="email",
    )

    interaction = complaint.interaction
    assert interaction.kind == Interaction.Kind.COMPLAINT
    assert (interaction.summary, interaction.details, interaction.channel) == (
        "Boiler still cold",
        "Third visit.",
        "email",
    )
    assert interaction.initiated_by == Interaction.Initiator.CUSTOMER
    assert interaction.outcome == Interaction.Outcome.FELL_SHORT
    assert complaint.assignee == owner
    assert complaint.opened_by == staff
    assert complaint.status == S.OPEN
    assert complaint.first_response_at is None
    event = complaint.events.get()
    assert (event.kind, event.actor, event.to_status) == ("opened", staff, "open")
    customer.refresh_from_db()
    assert customer.last_contact_at == interaction.occurred_at


def test_an_unowned_customers_case_goes_to_whoever_opened_it():
    staff = UserFactory()

    complaint = complaint_open(
        customer=CustomerFactory(owner=None), summary="Rude driver", severity="low", opened_by=staff
    )

    assert complaint.assignee == staff


def test_opening_from_an_existing_complaint_interaction_logs_nothing_new():
    interaction = InteractionFactory(kind=Interaction.Kind.COMPLAINT)

    complaint = complaint_open(
        customer=interaction.customer,
        summary=interaction.summary,
        severity="normal",
        opened_by=interaction.author,
        interaction=interaction,
    )

    assert complaint.interaction == interaction
    assert Interaction.objects.count() == 1


def test_an_interaction_opens_one_case_only():
    first = ComplaintFactory()

    with pytest.raises(ValidationError):
        complaint_open(
            customer=first.customer,
            summary="Again",
            severity="normal",
            opened_by=UserFactory(),
            interaction=first.interaction,
        )

    assert Complaint.objects.count() == 1


def test_an_interaction_of_another_customer_is_refused():
    interaction = InteractionFactory(kind=Interaction.Kind.COMPLAINT)

    with pytest.raises(ValidationError, match="another customer"):
        complaint_open(
            customer=CustomerFactory(),
            summary="Not theirs",
            severity="normal",
            opened_by=UserFactory(),
            interaction=interaction,
        )

    assert not Complaint.objects.exists()


def test_an_unknown_severity_is_refused_before_anything_is_written():
    with pytest.raises(ValidationError) as raised:
        complaint_open(
            customer=CustomerFactory(),
            summary="Hmm",
            severity="apocalyptic",
            opened_by=UserFactory(),
        )

    assert "severity" in raised.value.message_dict
    assert not Interaction.objects.exists()
    assert not Complaint.objects.exists()


def test_the_acknowledgement_and_resolution_notice_are_queued_with_the_case(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    customer = CustomerFactory(email="ada@example.com")

    complaint = complaint_open(
        customer=customer, summary="Cracked", severity="normal", opened_by=UserFactory()
    )
    complaint_transition(
        complaint, to_status=S.RESOLVED, actor=UserFactory(), resolution_summary="Replaced."
    )

    emails = list(OutgoingEmail.objects.order_by("pk"))
    assert [(e.kind, e.to, e.about, e.person) for e in emails] == [
        ("complaint-acknowledgement", "ada@example.com", complaint, customer.owner),
        ("complaint-resolution", "ada@example.com", complaint, customer.owner),
    ]
    assert {e.state for e in emails} == {OutgoingEmail.State.QUEUED}
    for email in emails:
        assert email.headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/unsubscribe/")
        assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_opening_that_is_rolled_back_queues_no_email():
    with pytest.raises(RuntimeError), transaction.atomic():
        complaint_open(
            customer=CustomerFactory(),
            summary="Cracked",
            severity="normal",
            opened_by=UserFactory(),
        )
        raise RuntimeError("the rest of the request failed")

    assert not Complaint.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_emails_are_enqueued_only_once_the_transaction_commits(
    monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(send_emails, "delay", lambda *args: sent.append(args))

    with django_capture_on_commit_callbacks() as callbacks:
        complaint = complaint_open(
            customer=CustomerFactory(),
            summary="Cracked",
            severity="normal",
            opened_by=UserFactory(),
        )
    assert sent == []
    for callback in callbacks:
        callback()
    (acknowledgement,) = OutgoingEmail.objects.filter(kind="complaint-acknowledgement")
    assert sent == [([acknowledgement.pk],)]

    with django_capture_on_commit_callbacks(execute=True):
        complaint_transition(
            complaint, to_status=S.RESOLVED, actor=UserFactory(), resolution_summary="Replaced."
        )
    (notice,) = OutgoingEmail.objects.filter(kind="complaint-resolution")
    assert sent[-1] == ([notice.pk],)


def test_a_broker_outage_does_not_undo_or_break_the_opening(
    monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(send_emails, "delay", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        complaint_open(
            customer=CustomerFactory(), summary="Leak", severity="urgent", opened_by=UserFactory()
        )

    assert Complaint.objects.count() == 1
    # Still in the outbox, for beat's sweep to send.
    assert queued("complaint-acknowledgement").count() == 1


# Assignee and remedy --------------------------------------------------------------------------


def test_reassigning_and_offering_a_remedy_each_leave_an_event():
    complaint = ComplaintFactory()
    manager, colleague = UserFactory(), UserFactory(first_name="Cleo", last_name="Colleague")

    complaints.complaint_update(
        complaint, actor=manager, assignee=colleague, remedy="refund", remedy_accepted=True
    )

    complaint.refresh_from_db()
    assert complaint.assignee == colleague
    assert (complaint.remedy, complaint.remedy_accepted) == ("refund", True)
    notes = dict(complaint.events.values_list("kind", "note"))
    assert notes == {"assigned": "Cleo Colleague", "remedy": "Refund (accepted)"}


def test_an_update_that_changes_nothing_records_nothing():
    complaint = ComplaintFactory(remedy="repair", remedy_accepted=None)

    complaints.complaint_update(
        complaint,
        actor=UserFactory(),
        assignee=complaint.assignee,
        remedy="repair",
        remedy_accepted=None,
    )

    assert not complaint.events.exists()


def test_an_update_from_a_stale_copy_keeps_the_newer_status():
    complaint = ComplaintFactory()
    stale = Complaint.objects.get(pk=complaint.pk)
    complaint_transition(complaint, to_status=S.ACKNOWLEDGED, actor=UserFactory())

    complaints.complaint_update(stale, actor=UserFactory(), remedy="apology", remedy_accepted=None)

    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.status, fresh.remedy) == (S.ACKNOWLEDGED, "apology")
    assert fresh.first_response_at is not None


def test_a_case_whose_opener_left_can_still_be_updated():
    complaint = ComplaintFactory(opened_by=None)

    complaints.complaint_update(complaint, actor=UserFactory(), remedy="goodwill")

    assert Complaint.objects.get(pk=complaint.pk).remedy == "goodwill"


def test_an_unknown_remedy_is_refused():
    complaint = ComplaintFactory()

    with pytest.raises(ValidationError):
        complaints.complaint_update(complaint, actor=UserFactory(), remedy="free-car")

    assert Complaint.objects.get(pk=complaint.pk).remedy == ""
