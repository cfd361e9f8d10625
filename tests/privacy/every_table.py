"""One customer with data in every table that can hold a customer's, the audit trail's copies
included, each value carrying MARKER so that a search of the whole database finds any left.

``TABLES_WITHOUT_CUSTOMER_DATA`` names the tables with text columns that hold none; a table
that is in neither list fails test_every_table_is_filled_or_said_to_hold_no_customer_data, so a
table added later must say which it is.
"""

import datetime
import secrets
from dataclasses import dataclass, field

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from announcements.models import Announcement, Recipient
from api.models import IdempotentRequest
from core.models import OutgoingEmail
from customers.models import CustomerImport, Tag
from customers.services import customer_create, customer_update
from inbound.models import InboundMessage
from insights.models import RisingTheme, WantedTheme, WeeklyChanges
from interactions.models import (
    CaseLink,
    ComplaintEvent,
    Digest,
    FollowUp,
    Interaction,
    Reminder,
)
from interactions.services import interaction_log
from privacy.discovery import json_fields, text_fields
from tests.interactions.factories import ComplaintFactory
from tests.voice.factories import FeedbackSubmissionFactory, SurveyFactory
from voice.models import FeedbackSubmission, Survey
from webhooks.models import WebhookDelivery, WebhookEndpoint

MARKER = "qz7kwv"
NAME = f"Zebedee {MARKER.capitalize()}"
OLD_NAME = f"Zeb {MARKER.capitalize()}"
EMAIL = f"zebedee.{MARKER}@example.com"
OLD_EMAIL = f"zeb.{MARKER}@example.org"
PHONE = "+44 20 7946 0731"
PHONE_E164 = "+442079460731"
# What the database must not hold after the erasure, searched for case-insensitively.
SEARCHED = (MARKER, "7946 0731", PHONE_E164)

# Tables filled with rows that only name the customer: not theirs to take away, but the
# erasure replaces their name, address and number there.
MENTION_ONLY = {
    "announcements.Announcement",
    "announcements.HistoricalAnnouncement",
    "customers.CustomerImport",
    "insights.RisingTheme",
    "insights.WantedTheme",
    "insights.WeeklyChanges",
}

# Tables with text columns that hold no customer's data: the product's people and machinery,
# shared vocabularies and counts. Framework tables (auth, sessions, axes...) are not listed.
TABLES_WITHOUT_CUSTOMER_DATA = {
    "admin.LogEntry": "filled below: the admin's log of a change to them",
    "api.ApiToken": "a member of staff's token",
    "calendars.CalendarFeed": "a member of staff's feed",
    "crm.PasswordResetRequest": "hashes of staff logins and addresses",
    "crm.Preferences": "a member of staff's language",
    "customers.SuppressedEmail": "keyed hashes, by design",
    "customers.Tag": "a shared vocabulary: the customer's links to tags go",
    "inbound.Mailbox": "a mailbox's place",
    "insights.CauseCount": "counts",
    "insights.InsightsRun": "when insights ran",
    "insights.SegmentGap": "counts",
    "insights.ThemeCount": "stemmed words counted across customers",
    "interactions.ComplaintSubCause": "a shared vocabulary",
    "interactions.Digest": "a member of staff's day: its email, in the outbox, names them",
    "interactions.InteractionDayCount": "counts",
    "webhooks.WebhookEndpoint": "a manager's endpoint",
}


@dataclass
class Filled:
    customer: object
    values: list = field(default_factory=list)  # every value the export must hold
    tables: set = field(default_factory=set)  # model labels filled

    def add(self, obj, *values):
        self.tables.add(obj._meta.label)
        self.values.extend(v for v in values if v)
        return obj


def fill_every_table(*, staff, manager) -> Filled:
    now = timezone.now()
    customer = customer_create(
        name=OLD_NAME,
        email=OLD_EMAIL,
        owner=staff,
        tags=[Tag.objects.create(name="weekly")],
        customer_since=timezone.localdate() - datetime.timedelta(days=400),
    )
    # A second version for the audit trail: the old name and address stay in its first copy.
    customer_update(
        customer,
        name=NAME,
        email=EMAIL,
        phone=PHONE,
        company=f"{MARKER} Widgets",
        expectations=f"{MARKER} expects a call back the same day",
        unmet_wants=f"{MARKER} wishes we opened on Saturdays",
        birthday=datetime.date(1980, 5, 17),
        temperament="analytical",
    )
    filled = Filled(customer=customer)
    filled.add(customer, NAME, EMAIL, PHONE, f"{MARKER} Widgets", "weekly")
    filled.add(customer.history.model(), OLD_NAME, OLD_EMAIL)
    filled.values += [customer.expectations, customer.unmet_wants, "1980-05-17"]

    interaction = interaction_log(
        customer=customer,
        author=staff,
        kind=Interaction.Kind.CALL,
        summary=f"{MARKER} called about the boiler",
        details=f"{MARKER} said the engineer was late twice",
        outcome=Interaction.Outcome.FELL_SHORT,
        occurred_at=now - datetime.timedelta(days=3),
    )
    filled.add(interaction, interaction.summary, interaction.details)
    filled.tables.add("interactions.HistoricalInteraction")

    complaint = ComplaintFactory(
        customer=customer,
        assignee=staff,
        opened_by=staff,
        summary=f"{MARKER} boiler broke again",
        resolution_summary=f"{MARKER} got a new part",
        opened_at=now - datetime.timedelta(days=2),
    )
    filled.add(complaint, complaint.summary, complaint.resolution_summary)
    filled.tables |= {"interactions.HistoricalComplaint"}
    filled.add(
        ComplaintEvent.objects.create(
            complaint=complaint,
            kind=ComplaintEvent.Kind.CUSTOMER,
            note=f"{MARKER} wrote on the case page",
        ),
        f"{MARKER} wrote on the case page",
    )
    filled.add(
        CaseLink.objects.create(complaint=complaint, token_hash=secrets.token_hex(32)),
    )
    follow_up = FollowUp.objects.create(
        customer=customer,
        complaint=complaint,
        summary=f"{MARKER} ring back with the part",
        due_on=timezone.localdate() + datetime.timedelta(days=2),
        assignee=staff,
        created_by=staff,
        promised=True,
    )
    filled.add(follow_up, follow_up.summary)
    filled.tables.add("interactions.HistoricalFollowUp")
    filled.add(
        Reminder.objects.create(
            kind=Reminder.Kind.CHECK_IN,
            object_id=customer.pk,
            customer=customer,
            recipient=staff,
            due_on=timezone.localdate() - datetime.timedelta(days=40),
            state=Reminder.State.DISMISSED,
            dismissed_reason=f"{MARKER} is abroad until June",
            dismissed_by=staff,
        ),
        f"{MARKER} is abroad until June",
    )
    Reminder.objects.create(
        kind=Reminder.Kind.COMPLAINT_TARGET,
        object_id=complaint.pk,
        detail=Reminder.Detail.RESOLVE,
        customer=customer,
        recipient=staff,
        due_on=timezone.localdate(),
    )

    submission = FeedbackSubmissionFactory(
        customer=customer,
        interaction=interaction,
        name=f"Zeb {MARKER} from the form",
        email=EMAIL,
        phone="07946 000731",
        message=f"{MARKER} typed this into the feedback form",
        order_ref=f"{MARKER}-order-77",
    )
    filled.add(submission, submission.name, submission.message, submission.order_ref)
    spam = FeedbackSubmissionFactory(
        email=EMAIL,
        name="Somebody",
        message=f"{MARKER} sent this, kept as spam",
        state=FeedbackSubmission.State.SPAM,
    )
    filled.values.append(spam.message)
    survey = SurveyFactory(
        customer=customer,
        complaint=complaint,
        reason=Survey.Reason.AFTER_COMPLAINT,
        answered_at=now - datetime.timedelta(days=1),
        satisfaction=2,
        recommend=3,
        unmet_want=f"{MARKER} wishes for evening visits",
        comment=f"{MARKER} says the fix took too long",
        considered_switching=Survey.Switching.YES,
    )
    filled.add(survey, survey.unmet_want, survey.comment)

    announcement = Announcement.objects.create(
        subject="Now open on Saturdays",
        body="From nine to five.",
        created_by=manager,
        audience={"q": NAME},
    )
    sent = OutgoingEmail.objects.create(
        kind="announcement",
        to=EMAIL,
        subject="Now open on Saturdays",
        body_text=f"Dear {NAME}, we are open on Saturdays.",
        to_customer=True,
        state=OutgoingEmail.State.SENT,
        sent_at=now,
    )
    filled.add(
        Recipient.objects.create(
            announcement=announcement,
            customer=customer,
            state=Recipient.State.QUEUED,
            wish=f"{MARKER} wishes we opened on Saturdays",
            email=sent,
        ),
        f"{MARKER} wishes we opened on Saturdays",
    )
    filled.tables |= {"announcements.Announcement", "announcements.HistoricalAnnouncement"}
    filled.add(sent, sent.body_text)
    acknowledgement = OutgoingEmail.objects.create(
        kind="complaint-acknowledgement",
        to=EMAIL,
        subject=f"Case #{complaint.pk}: {complaint.summary}",
        body_text=f"Dear {NAME}, we have your complaint: {complaint.summary}.",
        body_html=f"<p>Dear {NAME}, we have your complaint.</p>",
        headers={"Reply-To": f"reply+{MARKER}@localhost"},
        about=complaint,
        to_customer=True,
        state=OutgoingEmail.State.SENT,
        sent_at=now,
    )
    filled.values += [acknowledgement.body_text, acknowledgement.body_html]
    # Not sent yet: taken back by the erasure.
    OutgoingEmail.objects.create(
        kind="survey",
        to=EMAIL,
        subject="How did we do?",
        body_text=f"Dear {NAME}, tell us how we did.",
        about=survey,
        to_customer=True,
    )
    # About them, to staff: the digest names them, the escalation is about their case.
    digest = Digest.objects.create(recipient=staff, day=timezone.localdate())
    OutgoingEmail.objects.create(
        kind="digest",
        to=staff.email,
        subject="Rapport: 2 things to do today",
        body_text=f"Check in with {NAME} ({PHONE}). Call Other Person.",
        about=digest,
        person=staff,
        state=OutgoingEmail.State.SENT,
    )
    OutgoingEmail.objects.create(
        kind="escalation",
        to=manager.email,
        subject=f"Breached: {complaint.summary}",
        body_text=f"{NAME}'s case is late.",
        about=complaint,
        person=manager,
        state=OutgoingEmail.State.FAILED,
        last_error="SMTP down",
    )

    raw = (
        f"From: {NAME} <{EMAIL}>\r\nTo: log@localhost\r\nSubject: {MARKER} boiler\r\n"
        f"Message-ID: <filed-1@example.com>\r\n\r\n{MARKER} the boiler is cold again\r\n"
    ).encode()
    filed = InboundMessage.objects.create(
        source=InboundMessage.Source.SMTP,
        raw=raw,
        size=len(raw),
        dedupe_key="<filed-1@example.com>",
        envelope_from=EMAIL,
        envelope_to="log@localhost",
        from_address=EMAIL,
        from_name=NAME,
        subject=f"{MARKER} boiler",
        excerpt=f"{MARKER} the boiler is cold again",
        state=InboundMessage.State.FILED,
    )
    filed.interactions.add(interaction)
    filled.add(filed, f"{MARKER} the boiler is cold again")
    filled.tables.add("inbound.InboundMessage_interactions")
    unmatched_raw = f"From: {EMAIL}\r\nSubject: hello\r\n\r\n{MARKER} from another address\r\n"
    InboundMessage.objects.create(
        source=InboundMessage.Source.IMAP,
        raw=unmatched_raw.encode(),
        size=len(unmatched_raw),
        dedupe_key="<unmatched-1@example.com>",
        from_address=EMAIL.upper(),
        subject="hello",
        excerpt=f"{MARKER} from another address",
        state=InboundMessage.State.UNMATCHED,
    )
    filled.values.append(f"{MARKER} from another address")

    filled.add(
        CustomerImport.objects.create(
            created_by=manager,
            filename="march.csv",
            text=f"name,email\n{NAME},{EMAIL}\nOther Person,other@example.com\n",
            state=CustomerImport.State.READY,
            preview={
                "row_count": 2,
                "duplicates": [{"row": 2, "email": EMAIL, "customer_name": NAME}],
            },
        )
    )
    filled.add(
        WeeklyChanges.objects.create(
            week_of=timezone.localdate(),
            manager=manager,
            changes=[{"text": "Mood fell", "customers": [{"name": NAME, "url": "/customers/1/"}]}],
        )
    )
    filled.add(
        RisingTheme.objects.create(
            theme="boiler",
            word="boiler",
            mentions=5,
            expected=1,
            p_value=0.001,
            customer_ids=[customer.pk],
        )
    )
    filled.add(WantedTheme.objects.create(theme="saturday", word="Saturdays", customers=3))
    filled.add(
        LogEntry.objects.create(
            user=manager,
            content_type=ContentType.objects.get_for_model(customer),
            object_id=str(customer.pk),
            object_repr=NAME,
            action_flag=CHANGE,
            change_message=f'[{{"changed": {{"fields": ["Name"]}}}}] {MARKER}',
        )
    )
    _fill_other_apps(filled, manager, customer)
    return filled


def _fill_other_apps(filled, manager, customer) -> None:
    """The tables of the apps above this one, which find their own rows about a customer
    (privacy_rows): a webhook delivery telling of a call with them, and the API's remembered
    answer to logging it."""
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/x", events=["interaction.logged"], created_by=manager
    )
    interaction = {
        "object": "interaction",
        "id": 1,
        "summary": f"Rang {NAME} about {MARKER}",
        "customer": {"id": customer.pk, "name": NAME, "url": f"/customers/{customer.pk}/"},
    }
    filled.add(
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="interaction.logged",
            event_id=f"interaction.logged-{customer.pk}-1",
            payload={"id": "e-1", "event": "interaction.logged", "data": interaction},
        )
    )
    filled.add(
        IdempotentRequest.objects.create(
            user=manager,
            key="k-1",
            fingerprint="f" * 64,
            status_code=201,
            response={"id": 1, "customer": customer.pk, "summary": f"Rang {EMAIL} {PHONE}"},
        )
    )


def unlisted_tables(filled: Filled, models) -> list[str]:
    """Tables with text columns that are neither filled nor said to hold no customer data."""
    return sorted(
        model._meta.label
        for model in models
        if (text_fields(model) or json_fields(model))
        and model._meta.label not in filled.tables
        and model._meta.label not in TABLES_WITHOUT_CUSTOMER_DATA
    )
