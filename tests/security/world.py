"""What the access and CSRF tests share: every URL pattern of the project, one set of real objects
each pattern's arguments resolve to, a valid body for each view that changes something, and two
ways to prove a request changed nothing: a snapshot of every row, and a record of every write."""

import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass, field

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from announcements.models import Announcement
from api.tokens import token_create
from calendars.models import CalendarFeed
from core.models import OutgoingEmail
from core.tokens import token_hash
from customers.consent import consent_token
from customers.imports import import_upload_create
from customers.models import Customer, Tag
from customers.unsubscribe import unsubscribe_token
from inbound.models import InboundMessage
from interactions.models import CaseLink, Complaint, ComplaintSubCause, Interaction, Reminder
from tests.factories import PASSWORD, CustomerFactory, UserFactory
from tests.interactions.factories import ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory, InteractionFactory
from tests.voice.factories import FeedbackSubmissionFactory, SurveyFactory
from voice.surveys import survey_link_token
from webhooks.models import WebhookDelivery, WebhookEndpoint

ROLES = ("anonymous", "staff", "other", "manager")


@dataclass(frozen=True)
class Pattern:
    key: str  # the URL name, or the route for the admin's unnamed patterns
    route: str
    pattern: URLPattern


def walk(patterns=None, prefix="", namespace=""):
    """Every URL pattern the project serves, admin included."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            key = f"{namespace}{entry.name}" if entry.name else route
            yield Pattern(key, route, entry)


PATTERNS = sorted(walk(), key=lambda p: p.key)


# The objects --------------------------------------------------------------------------------


@dataclass
class World:
    staff: object
    other: object
    manager: object
    customer: Customer
    archived: Customer
    interaction: Interaction
    complaint: Complaint
    follow_up: object
    reminder: Reminder
    customer_import: object
    unmatched_email: object
    failed_email: object
    survey: object
    survey_token: str
    unsubscribe_token: str
    case_token: str
    feedback: object
    tag: Tag
    login_records: dict
    email: object = None
    announcement: object = None
    webhook_endpoint: object = None
    webhook_delivery: object = None
    calendar_feed: object = None
    calendar_token: str = ""
    api_token: object = None
    sessions: dict = field(default_factory=dict)

    def log_in_everyone(self) -> None:
        """One session per role, made once: each test's client reuses it by its cookie."""
        for role in ROLES[1:]:
            client = Client()
            client.force_login(getattr(self, role))
            self.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def client_for(self, role: str, **client_kwargs) -> Client:
        client = Client(**client_kwargs)
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client

    def password_reset_kwargs(self) -> dict:
        # The token hashes the last login, so it is made after everyone logged in.
        self.staff.refresh_from_db()
        return {
            "uidb64": urlsafe_base64_encode(force_bytes(self.staff.pk)),
            "token": default_token_generator.make_token(self.staff),
        }


def build_world() -> World:
    """A customer owned by staff, with one of everything hanging off it, all the staff's to work.

    The manager is provisioned as ``load_demo`` does it: in the Manager group, and a superuser
    with access to the admin.
    """
    staff = UserFactory(username="sam", first_name="Sam", last_name="Staff")
    other = UserFactory(username="olive", first_name="Olive", last_name="Other")
    manager = UserFactory(
        username="mona", first_name="Mona", role="Manager", is_staff=True, is_superuser=True
    )
    tag = Tag.objects.create(name="vip")
    customer = CustomerFactory(
        name="Ada Lovelace", email="ada@example.com", owner=staff, email_opt_out=False
    )
    archived = CustomerFactory(
        name="Charles Babbage", email="charles@example.com", owner=staff, archived_at=timezone.now()
    )
    interaction = InteractionFactory(customer=customer, author=staff, summary="Called about tea")
    complaint = ComplaintFactory(
        customer=customer,
        assignee=staff,
        opened_by=staff,
        summary="Cold tea",
        remedy=Complaint.Remedy.REFUND,
    )
    case_token = secrets.token_urlsafe(32)
    CaseLink.objects.create(
        complaint=complaint, token_hash=hashlib.sha256(case_token.encode()).hexdigest()
    )
    follow_up = FollowUpFactory(customer=customer, assignee=staff, created_by=staff)
    # Failed, so that retry has something to do; a failed reminder still takes done, snooze
    # and dismiss.
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.CHECK_IN,
        object_id=customer.pk,
        customer=customer,
        recipient=staff,
        due_on=timezone.localdate(),
        state=Reminder.State.FAILED,
        attempts=5,
        last_error="SMTP down",
    )
    customer_import = import_upload_create(
        created_by=manager,
        filename="new.csv",
        text="name,email\nGrace Hopper,grace@example.com\n",
        duplicates="skip",
    )
    # Not one of the users above: a login resets that user's attempts.
    login = {"user_agent": "pytest", "ip_address": "192.0.2.1", "username": "mallory"}
    login_records = {
        "axes.accessattempt": AccessAttempt.objects.create(
            **login, get_data="", post_data="", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(**login),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**login),
    }
    # Subscribed to everything, so the pages that write emit through it; its one delivery
    # gave up, so that replay has something to do.
    webhook_endpoint = WebhookEndpoint.objects.create(
        url="https://1.1.1.1/hooks", events=WebhookEndpoint.Event.values, created_by=manager
    )
    webhook_delivery = WebhookDelivery.objects.create(
        endpoint=webhook_endpoint,
        event="customer.created",
        event_id="world-event",
        payload={"id": "world-event", "event": "customer.created", "data": {}},
        state=WebhookDelivery.State.GIVEN_UP,
        attempts=8,
        last_error="HTTP 500: not a 2xx answer",
    )
    raw = secrets.token_urlsafe(32)
    survey = SurveyFactory(customer=customer, token_hash=token_hash(raw))
    calendar_token = secrets.token_urlsafe(32)
    # Read by a calendar just now, so that reading it again notes nothing: no GET writes.
    calendar_feed = CalendarFeed.objects.create(
        user=staff,
        token_hash=hashlib.sha256(calendar_token.encode()).hexdigest(),
        last_used_at=timezone.now(),
    )
    return World(
        staff=staff,
        other=other,
        manager=manager,
        customer=customer,
        archived=archived,
        interaction=interaction,
        complaint=complaint,
        follow_up=follow_up,
        reminder=reminder,
        customer_import=customer_import,
        unmatched_email=InboundMessage.objects.create(
            source="smtp",
            raw=b"From: Grace <grace@example.com>\r\nSubject: Hello\r\n\r\nA question.\r\n",
            size=60,
            dedupe_key="<unmatched@example.com>",
            from_address="grace@example.com",
            from_name="Grace",
            subject="Hello",
            state=InboundMessage.State.UNMATCHED,
        ),
        failed_email=InboundMessage.objects.create(
            source="smtp",
            raw=b"broken",
            size=6,
            dedupe_key="<failed@example.com>",
            state=InboundMessage.State.FAILED,
            reason="ValueError: broken",
        ),
        survey=survey,
        survey_token=survey_link_token(raw),
        unsubscribe_token=unsubscribe_token(customer),
        case_token=case_token,
        feedback=FeedbackSubmissionFactory(customer=customer),
        tag=tag,
        login_records=login_records,
        webhook_endpoint=webhook_endpoint,
        webhook_delivery=webhook_delivery,
        announcement=Announcement.objects.create(
            subject="Now open on Saturdays", body="9 to 5.", created_by=manager
        ),
        email=OutgoingEmail.objects.create(
            kind="digest",
            to=staff.email,
            subject="Rapport: 1 thing to do today",
            body_text="Call Ada.",
            state=OutgoingEmail.State.FAILED,
            last_error="SMTPRecipientsRefused: no such mailbox",
        ),
        calendar_feed=calendar_feed,
        calendar_token=calendar_token,
        api_token=token_create(user=staff, name="Booking system", scope="write")[0],
    )


# Each pattern's arguments, and so which object it is about ------------------------------------

PATH_KWARGS = {
    "staff-member": lambda w: {"user_id": w.staff.pk},
    "password_reset_confirm": lambda w: w.password_reset_kwargs(),
    "customers:import-preview": lambda w: {"pk": w.customer_import.pk},
    "customers:import-status": lambda w: {"pk": w.customer_import.pk},
    "inbound:attach": lambda w: {"pk": w.unmatched_email.pk},
    "inbound:create-customer": lambda w: {"pk": w.unmatched_email.pk},
    "inbound:set-aside": lambda w: {"pk": w.unmatched_email.pk},
    "inbound:retry": lambda w: {"pk": w.failed_email.pk},
    **{
        f"announcements:{name}": lambda w: {"pk": w.announcement.pk}
        for name in (
            *("detail", "edit", "progress", "send", "test", "wishes-met"),
            *("pause", "resume", "cancel"),
        )
    },
    "customers:detail": lambda w: {"pk": w.customer.pk},
    "customers:edit": lambda w: {"pk": w.customer.pk},
    "customers:audit": lambda w: {"pk": w.customer.pk},
    "customers:archive": lambda w: {"pk": w.customer.pk},
    "customers:restore": lambda w: {"pk": w.archived.pk},
    "customers:data-export": lambda w: {"pk": w.customer.pk},
    "customers:erase": lambda w: {"pk": w.customer.pk},
    "interactions:log": lambda w: {"customer_pk": w.customer.pk},
    "interactions:interaction-edit": lambda w: {"pk": w.interaction.pk},
    "interactions:follow-up-new": lambda w: {"customer_pk": w.customer.pk},
    "interactions:follow-up-done": lambda w: {"pk": w.follow_up.pk},
    "interactions:follow-up-snooze": lambda w: {"pk": w.follow_up.pk},
    "interactions:complaint": lambda w: {"pk": w.complaint.pk},
    "interactions:complaint-new": lambda w: {"customer_pk": w.customer.pk},
    "interactions:complaint-transition": lambda w: {"pk": w.complaint.pk},
    "interactions:complaint-update": lambda w: {"pk": w.complaint.pk},
    "interactions:complaint-tell": lambda w: {"pk": w.complaint.pk},
    "interactions:complaint-link": lambda w: {"pk": w.complaint.pk},
    "interactions:reminder-done": lambda w: {"pk": w.reminder.pk},
    "interactions:reminder-snooze": lambda w: {"pk": w.reminder.pk},
    "interactions:reminder-dismiss": lambda w: {"pk": w.reminder.pk},
    "interactions:reminder-retry": lambda w: {"pk": w.reminder.pk},
    "interactions:history": lambda w: {"pk": w.customer.pk},
    "interactions:history-csv": lambda w: {"pk": w.customer.pk},
    "voice:survey": lambda w: {"token": w.survey_token},
    **{
        name: lambda w: {"token": w.case_token}
        for name in (
            "voice:case",
            "voice:case-seen",
            "voice:case-message",
            "voice:case-remedy",
            "voice:case-fixed",
            "voice:case-survey",
        )
    },
    "unsubscribe": lambda w: {"token": w.unsubscribe_token},
    **{
        f"webhooks:{name}": lambda w: {"pk": w.webhook_endpoint.pk}
        for name in ("detail", "edit", "rotate-secret", "enable", "disable", "delete", "ping")
    },
    "webhooks:replay": lambda w: {
        "pk": w.webhook_endpoint.pk,
        "delivery_pk": w.webhook_delivery.pk,
    },
    "marketing-consent": lambda w: {"token": consent_token(w.customer)},
    "calendars:turn-off": lambda w: {"pk": w.calendar_feed.pk},
    "api:token-revoke": lambda w: {"pk": w.api_token.pk},
    **{
        f"api:{name}": lambda w: {"pk": w.customer.pk}
        for name in ("customer", "customer-archive", "customer-interactions", "customer-follow-ups")
    },
    **{
        f"api:{name}": lambda w: {"pk": w.complaint.pk}
        for name in ("complaint", "complaint-transition", "complaint-remedy")
    },
    "api:follow-up-done": lambda w: {"pk": w.follow_up.pk},
    "calendars:ics": lambda w: {"token": w.calendar_token},
}

# admin/<app>/<model>/...: the page kind, read from the route.
ADMIN_MODEL_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/(?P<rest>.*)$")
ADMIN_KINDS = {
    "": "changelist",
    "add/": "add",
    "<path:object_id>/history/": "history",
    "<path:object_id>/delete/": "delete",
    "<path:object_id>/change/": "change",
    "<path:object_id>/": "redirect",
    "^([^/]+)/history/([^/]+)/$": "simple_history",
    "<id>/password/": "password",
}


def admin_page(pattern: Pattern) -> tuple[str, str] | None:
    """("customers.customer", "change") for a model's admin page; None for the site's own."""
    match = ADMIN_MODEL_ROUTE.match(pattern.route)
    if not match or match["model"] not in apps.all_models.get(match["app"], {}):
        return None
    return f"{match['app']}.{match['model']}", ADMIN_KINDS.get(match["rest"], match["rest"])


def admin_object(world: World, model_label: str):
    if model_label in world.login_records:
        return world.login_records[model_label]
    return {
        "auth.group": lambda: Group.objects.get(name="Staff"),
        "auth.user": lambda: world.staff,
        "customers.tag": lambda: world.tag,
        "customers.customer": lambda: world.customer,
        "interactions.interaction": lambda: world.interaction,
        "interactions.complaint": lambda: world.complaint,
        "interactions.followup": lambda: world.follow_up,
        "interactions.complaintsubcause": lambda: ComplaintSubCause.objects.get(name="Long wait"),
        "voice.feedbacksubmission": lambda: world.feedback,
        "voice.survey": lambda: world.survey,
        "crm.outgoingemail": lambda: world.email,
    }[model_label]()


def path_for(pattern: Pattern, world: World) -> str:
    """The pattern made concrete with the world's objects; a KeyError names a pattern whose
    arguments nobody said how to fill."""
    page = admin_page(pattern)
    if page:
        model_label, kind = page
        obj = admin_object(world, model_label)
        base = f"/admin/{model_label.replace('.', '/')}/"
        if kind in ("changelist", "add"):
            return reverse(pattern.key)
        if kind == "redirect":
            return f"{base}{obj.pk}/"
        if kind == "simple_history":
            return reverse(pattern.key, args=[obj.pk, obj.history.earliest().history_id])
        if kind == "password":
            return reverse(pattern.key, kwargs={"id": obj.pk})
        return reverse(pattern.key, kwargs={"object_id": obj.pk})
    if pattern.key == "admin:view_on_site":
        content_type = ContentType.objects.get_for_model(Customer)
        return reverse(pattern.key, args=[content_type.pk, world.customer.pk])
    if pattern.key == "admin:app_list":
        return reverse(pattern.key, kwargs={"app_label": "customers"})
    if pattern.key == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if pattern.pattern.pattern.converters:
        return reverse(pattern.key, kwargs=PATH_KWARGS[pattern.key](world))
    return reverse(pattern.key)


# A valid body for each view that changes something --------------------------------------------


def _local_input(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _customer_fields(**overrides) -> dict:
    fields = {
        "name": "Grace Hopper",
        "company": "Navy Yard",
        "email": "grace@example.com",
        "phone": "+44 20 7946 0000",
        "preferred_channel": "phone",
        "temperament": "driver",
        "expectations": "Straight answers.",
        "unmet_wants": "",
        "customer_since": "2025-01-15",
        "segment": "",
        "status": "active",
        "checkin_cadence_days": "",
        "birthday": "",
        "tags_text": "vip",
    }
    fields.update(overrides)
    return fields


def _interaction_fields(summary: str) -> dict:
    return {
        "kind": "call",
        "channel": "phone",
        "occurred_at": _local_input(timezone.now() - datetime.timedelta(minutes=5)),
        "summary": summary,
        "details": "",
        "initiated_by": "us",
        "outcome": "met",
        "satisfaction": "4",
    }


def _announcement_fields() -> dict:
    return {"subject": "Now open on Sundays", "body": "10 to 4.", "kind": "service"}


def _webhook_fields() -> dict:
    return {
        "url": "https://8.8.8.8/rapport",
        "description": "Billing",
        "events": ["customer.created", "complaint.opened"],
    }


def _tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


# Callables, so each test gets fresh upload objects and today's dates.
POST_BODIES = {
    "preferences": lambda w: {"language": "de"},
    "api:tokens": lambda w: {"name": "Spreadsheet", "scope": "read"},
    "customers:create": lambda w: _customer_fields(),
    "customers:edit": lambda w: _customer_fields(name="Ada King", email="ada@example.com"),
    "customers:archive": lambda w: {},
    "customers:restore": lambda w: {},
    "customers:reassign": lambda w: {"customers": [w.customer.pk], "owner": w.other.pk},
    "customers:import": lambda w: {
        "file": SimpleUploadedFile(
            "more.csv", b"name,email\nAlan Turing,alan@example.com\n", content_type="text/csv"
        ),
        "duplicates": "skip",
    },
    "customers:import-preview": lambda w: {},
    "customers:erase": lambda w: {"confirm": "on"},
    "inbound:attach": lambda w: {"customer": str(w.customer.pk)},
    "inbound:create-customer": lambda w: {},
    "inbound:set-aside": lambda w: {},
    "inbound:retry": lambda w: {},
    "announcements:new": lambda w: _announcement_fields(),
    "announcements:edit": lambda w: _announcement_fields(),
    "announcements:send": lambda w: {"send_at": ""},
    "announcements:test": lambda w: {},
    "announcements:wishes-met": lambda w: {},
    "announcements:pause": lambda w: {},
    "announcements:resume": lambda w: {},
    "announcements:cancel": lambda w: {},
    "interactions:log": lambda w: _interaction_fields("Rang about the order"),
    "interactions:interaction-edit": lambda w: _interaction_fields("Called about green tea"),
    "interactions:follow-up-new": lambda w: {
        "summary": "Send the quote",
        "due_on": _tomorrow(),
        "assignee": w.staff.pk,
    },
    "interactions:follow-up-done": lambda w: {},
    "interactions:follow-up-snooze": lambda w: {"snooze": "week"},
    "interactions:complaint-new": lambda w: {
        "summary": "Wrong colour",
        "severity": "normal",
        "channel": "phone",
        "details": "",
    },
    "interactions:complaint-transition": lambda w: {"to_status": "acknowledged"},
    "interactions:complaint-update": lambda w: {"assignee": w.other.pk, "remedy": "refund"},
    "interactions:complaint-tell": lambda w: {"message": "The part arrives on Thursday."},
    "interactions:complaint-link": lambda w: {},
    "interactions:reminder-done": lambda w: {},
    "interactions:reminder-snooze": lambda w: {"period": "week"},
    "interactions:reminder-dismiss": lambda w: {"reason": "Saw her yesterday"},
    "interactions:reminder-retry": lambda w: {},
    "voice:feedback": lambda w: {
        "name": "Fay Writer",
        "email": "fay@example.com",
        "topic": "praise",
        "message": "Lovely tea.",
        "website": "",
    },
    "voice:survey": lambda w: {
        "satisfaction": "5",
        "recommend": "9",
        "considered_switching": "no",
        "unmet_want": "",
        "comment": "",
    },
    "voice:case-seen": lambda w: {},
    "voice:case-message": lambda w: {"message": "Any news?"},
    "voice:case-remedy": lambda w: {"answer": "accept", "comment": ""},
    "voice:case-fixed": lambda w: {"answer": "fixed", "comment": ""},
    "voice:case-survey": lambda w: {
        "satisfaction": "5",
        "recommend": "9",
        "considered_switching": "no",
    },
    "unsubscribe": lambda w: {},
    "marketing-consent": lambda w: {},
    "calendars:new": lambda w: {},
    "calendars:turn-off": lambda w: {},
    "login": lambda w: {"username": "olive", "password": PASSWORD},
    "logout": lambda w: {},
    "password_change": lambda w: {
        "old_password": PASSWORD,
        "new_password1": "a-new-long-passphrase",
        "new_password2": "a-new-long-passphrase",
    },
    "password_reset": lambda w: {"email": "sam@example.com"},
    "failed-emails-retry": lambda w: {"email": str(w.email.pk)},
    "webhooks:list": lambda w: _webhook_fields(),
    "webhooks:edit": lambda w: _webhook_fields(),
    **{
        f"webhooks:{name}": lambda w: {}
        for name in ("rotate-secret", "enable", "disable", "delete", "ping", "replay")
    },
    "password_reset_confirm": lambda w: {
        "new_password1": "reset-to-something-long",
        "new_password2": "reset-to-something-long",
    },
}


def admin_post_body(pattern: Pattern) -> dict | None:
    page = admin_page(pattern)
    return {"post": "yes"} if page and page[1] == "delete" else None


def post_body(pattern: Pattern, world: World) -> dict:
    if pattern.key in POST_BODIES:
        return POST_BODIES[pattern.key](world)
    return admin_post_body(pattern) or {}


# The database, to compare ---------------------------------------------------------------------

SNAPSHOT_APPS = (
    "auth",
    "axes",
    "calendars",
    "crm",
    "customers",
    "interactions",
    "voice",
    "webhooks",
)


def snapshot() -> dict:
    """Every row the app keeps (history and login records included), by model; sessions left
    out."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for label in SNAPSHOT_APPS
        for model in apps.get_app_config(label).get_models()
        if model is not Permission  # made by migrations, never by a request
    }


def changed_models(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


class WriteRecorder:
    """Collects the table of every INSERT, UPDATE and DELETE run while installed with
    ``connection.execute_wrapper``. Sessions are left out unless asked for: they are not the
    app's data, and a page may well save one."""

    WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)

    def __init__(self, ignored=("django_session",)):
        self.ignored = set(ignored)
        self.tables = []

    def __call__(self, execute, sql, params, many, context):
        match = self.WRITE.match(sql)
        if match and match[1] not in self.ignored:
            self.tables.append(match[1])
        return execute(sql, params, many, context)
