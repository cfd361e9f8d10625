"""Every form field, query parameter and public link, one value at a time made hostile.

Each test starts from a request that works (``world.build_world``'s objects, a valid body or
query) and spoils exactly one value with a ``Hostile`` change from fuzz_helpers: another
script's digits, odd spaces around it, a NUL inside it, or in its place a huge or negative
number or the first or last day Python has. Every field meets the changes in
EVERY_FIELD_MEETS and DRAWN_PER_FIELD drawn ones. A form must accept the value or say what is
wrong with it and write nothing; a page must show; nothing may answer with a 5xx.
test_form_fuzzing.py mutates several fields at once with junk; this file makes sure each field
on its own has met each kind of trouble.
"""

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.tokens import token_create
from interactions.models import Interaction
from tests.factories import PASSWORD
from tests.interactions.factories_timeline import InteractionFactory

from .fuzz_helpers import (
    check_outcome,
    db_fingerprint,
    fuzz_one_value,
    rolled_back,
)
from .world import PATTERNS
from .world import _customer_fields as world_customer_fields

pytestmark = [
    pytest.mark.django_db,
    # A failing example with a 5,000-digit value is printed whole; that is the point.
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
]


def _day(days_from_today: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days_from_today)).isoformat()


def _minutes_ago(minutes: int) -> str:
    moment = timezone.localtime() - datetime.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(scope="module")
def scene(world, django_db_blocker):
    """The world, and a complaint logged on its customer that no case was opened from yet."""
    with django_db_blocker.unblock():
        world.openable_complaint = InteractionFactory(
            customer=world.customer, author=world.staff, kind=Interaction.Kind.COMPLAINT
        )
    return world


class _Placeholder:
    """Stands in for the world where only the names of a body's fields are wanted."""

    pk = 1

    def __getattr__(self, name):
        return self


def _names(body) -> list[str]:
    return list(body(_Placeholder()))


def _customer_fields(**fields) -> dict:
    """world's customer body with every field filled in, so that each has a value to spoil."""
    return world_customer_fields(
        unmet_wants="Weekend hours.",
        segment="new",
        checkin_cadence_days="30",
        birthday="1990-12-31",
        email_opt_out="on",
        tags_text="vip, weekly",
        **fields,
    )


def _interaction_fields(**fields) -> dict:
    return {
        "kind": "call",
        "channel": "phone",
        "occurred_at": _minutes_ago(5),
        "summary": "Rang about the order",
        "details": "Wants it by Friday.",
        "initiated_by": "us",
        "outcome": "met",
        "satisfaction": "4",
        "next": "/customers/",
        **fields,
    }


# Forms ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """A form as one role submits it: where to, and a body every field of which is filled in
    and accepted."""

    role: str
    path: object  # world -> path
    body: object  # world -> {field: value}
    check: dict = field(default_factory=dict)  # check_outcome's keyword arguments


def _answered_survey_page(response) -> bool:
    return response.status_code == 200 and any(
        template.name == "voice/survey_thanks.html" for template in response.templates
    )


def _reset_link(w) -> str:
    return reverse("password_reset_confirm", kwargs=w.password_reset_kwargs())


NEXT = {"next": "/customers/"}
FORMS = {
    "customers:create": Form(
        "manager",
        lambda w: reverse("customers:create"),
        lambda w: _customer_fields(owner=str(w.staff.pk)),
    ),
    "customers:edit": Form(
        "staff",
        lambda w: reverse("customers:edit", args=[w.customer.pk]),
        lambda w: _customer_fields(
            name="Ada King", email="ada@example.com", correction_requested="on"
        ),
    ),
    # Erasing a customer, the managers'.
    "customers:erase": Form(
        "manager",
        lambda w: reverse("customers:erase", args=[w.customer.pk]),
        lambda w: {"confirm": "on"},
    ),
    "customers:reassign": Form(
        "manager",
        lambda w: reverse("customers:reassign"),
        lambda w: {"customers": [str(w.customer.pk)], "owner": str(w.other.pk), **NEXT},
    ),
    "customers:import": Form(
        "manager",
        lambda w: reverse("customers:import"),
        # The file field's value is the uploaded file's name; test_import_fuzzing.py spoils
        # its cells.
        lambda w: {"file": "customers.csv", "duplicates": "skip"},
    ),
    "interactions:log": Form(
        "staff",
        lambda w: reverse("interactions:log", args=[w.customer.pk]),
        lambda w: _interaction_fields(
            follow_up_on=_day(1), follow_up_summary="Send the quote", follow_up_promised="on"
        ),
    ),
    "interactions:interaction-edit": Form(
        "staff",
        lambda w: reverse("interactions:interaction-edit", args=[w.interaction.pk]),
        lambda w: _interaction_fields(summary="Called about green tea"),
    ),
    "interactions:follow-up-new": Form(
        "staff",
        lambda w: reverse("interactions:follow-up-new", args=[w.customer.pk]),
        lambda w: {
            "summary": "Send the quote",
            "due_on": _day(1),
            "assignee": str(w.staff.pk),
            "promised": "on",
            "interaction": str(w.interaction.pk),
            **NEXT,
        },
    ),
    "interactions:follow-up-snooze": Form(
        "staff",
        lambda w: reverse("interactions:follow-up-snooze", args=[w.follow_up.pk]),
        lambda w: {"snooze": "date", "until": _day(3), **NEXT},
    ),
    "interactions:reminder-snooze": Form(
        "staff",
        lambda w: reverse("interactions:reminder-snooze", args=[w.reminder.pk]),
        lambda w: {"period": "date", "until": _day(3), **NEXT},
    ),
    "interactions:reminder-dismiss": Form(
        "staff",
        lambda w: reverse("interactions:reminder-dismiss", args=[w.reminder.pk]),
        lambda w: {"reason": "Saw her yesterday", **NEXT},
    ),
    "interactions:complaint-new": Form(
        "staff",
        lambda w: reverse("interactions:complaint-new", args=[w.customer.pk]),
        lambda w: {
            "summary": "Wrong colour",
            "severity": "high",
            "assignee": str(w.manager.pk),
            "channel": "email",
            "details": "Ordered blue.",
            "interaction": str(w.openable_complaint.pk),
        },
    ),
    "interactions:complaint-transition": Form(
        "staff",
        lambda w: reverse("interactions:complaint-transition", args=[w.complaint.pk]),
        lambda w: {
            "to_status": "resolved",
            "resolution_summary": "Sent a new kettle.",
            "note": "She was pleased.",
        },
        {"form_key": "transition_form"},
    ),
    "interactions:complaint-update": Form(
        "staff",
        lambda w: reverse("interactions:complaint-update", args=[w.complaint.pk]),
        lambda w: {"assignee": str(w.other.pk), "remedy": "refund", "remedy_accepted": "true"},
        {"form_key": "update_form"},
    ),
    # One-click buttons: their one field is where to go back to.
    "interactions:follow-up-done": Form(
        "staff",
        lambda w: reverse("interactions:follow-up-done", args=[w.follow_up.pk]),
        lambda w: NEXT,
    ),
    "interactions:reminder-done": Form(
        "staff",
        lambda w: reverse("interactions:reminder-done", args=[w.reminder.pk]),
        lambda w: NEXT,
    ),
    "interactions:reminder-retry": Form(
        "manager",
        lambda w: reverse("interactions:reminder-retry", args=[w.reminder.pk]),
        lambda w: NEXT,
    ),
    "customers:archive": Form(
        "manager", lambda w: reverse("customers:archive", args=[w.customer.pk]), lambda w: NEXT
    ),
    "customers:restore": Form(
        "manager", lambda w: reverse("customers:restore", args=[w.archived.pk]), lambda w: NEXT
    ),
    # Public pages.
    "voice:feedback": Form(
        "anonymous",
        lambda w: reverse("voice:feedback"),
        lambda w: {
            "name": "Fay Writer",
            "email": "fay@example.com",
            "phone": "+44 20 7946 0001",
            "topic": "complaint",
            "message": "The tea was cold.",
            "order_ref": "INV-1001",
            "website": "",
        },
        {"refusals": [(413, "That was too much to send in one go.")]},
    ),
    "voice:survey": Form(
        "anonymous",
        lambda w: reverse("voice:survey", args=[w.survey_token]),
        lambda w: {
            "satisfaction": "4",
            "recommend": "9",
            "unmet_want": "Weekend hours.",
            "considered_switching": "no",
            "comment": "Thank you.",
        },
        {"is_accepted": _answered_survey_page},
    ),
    "voice:case-message": Form(
        "anonymous",
        lambda w: reverse("voice:case-message", args=[w.case_token]),
        lambda w: {"message": "Is the engineer still coming on Friday?"},
        {"form_key": "message_form"},
    ),
    "voice:case-remedy": Form(
        "anonymous",
        lambda w: reverse("voice:case-remedy", args=[w.case_token]),
        lambda w: {"answer": "accept", "comment": "Thank you."},
        {"form_key": "remedy_form"},
    ),
    # Webhook endpoints, the managers'.
    "webhooks:list": Form(
        "manager",
        lambda w: reverse("webhooks:list"),
        lambda w: {
            "url": "https://8.8.8.8/rapport",
            "description": "Billing",
            "events": ["customer.created", "complaint.opened"],
        },
    ),
    "webhooks:edit": Form(
        "manager",
        lambda w: reverse("webhooks:edit", args=[w.webhook_endpoint.pk]),
        lambda w: {
            "url": "https://8.8.8.8/rapport",
            "description": "Billing",
            "events": ["interaction.logged"],
        },
    ),
    # Accounts.
    "login": Form(
        "anonymous",
        lambda w: reverse("login"),
        lambda w: {"username": "olive", "password": PASSWORD, **NEXT},
    ),
    "logout": Form("staff", lambda w: reverse("logout"), lambda w: NEXT),
    "password_reset": Form(
        "anonymous", lambda w: reverse("password_reset"), lambda w: {"email": "sam@example.com"}
    ),
    "password_reset_confirm": Form(
        "anonymous",
        _reset_link,
        lambda w: {
            "new_password1": "reset-to-something-long",
            "new_password2": "reset-to-something-long",
        },
    ),
    "password_change": Form(
        "staff",
        lambda w: reverse("password_change"),
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    ),
}


FORM_FIELDS = [(key, name) for key, form in FORMS.items() for name in _names(form.body)]


def _spoil(body: dict, name: str, change) -> dict:
    value = body[name]
    if isinstance(value, list):
        return {**body, name: [change.apply(item) for item in value]}
    return {**body, name: change.apply(value)}


@fuzz_one_value
@pytest.mark.parametrize("form_key, name", FORM_FIELDS, ids=[f"{k}-{n}" for k, n in FORM_FIELDS])
def test_each_form_field_takes_or_explains_a_hostile_value(scene, form_key, name, change):
    form = FORMS[form_key]
    # A fresh client each time: a login, a logout or a new password changes the session.
    client = scene.client_for(form.role)
    with rolled_back():
        path = form.path(scene)
        if form_key == "password_reset_confirm":
            # The link moves its token into the session and redirects to the form.
            path = client.get(path).url
        body = _spoil(form.body(scene), name, change)
        if form_key == "customers:import":
            body["file"] = SimpleUploadedFile(
                body["file"], b"name\nAlan Turing\n", content_type="text/csv"
            )
        before = db_fingerprint()
        response = client.post(path, body)
        if form_key == "logout":
            # Signed out whatever the next page: to it when it is on this site, else to log in.
            assert response.status_code == 302
            assert urlsplit(response.url).netloc in ("", "testserver")
            return
        check_outcome(client, response, before, **form.check)


# Query parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A page a manager opens with its query filled in, and the statuses it may answer."""

    path: object  # world -> path
    query: object  # world -> {parameter: value}
    statuses: tuple = (200,)


def _timeline_filters(w) -> dict:
    return {"kind": "call", "author": str(w.staff.pk), "start": "2020-01-01", "end": _day(0)}


def _customer_filters(w) -> dict:
    return {
        "q": "Ada",
        "owner": str(w.staff.pk),
        "status": "active",
        "segment": "established",
        "tag": str(w.tag.pk),
        "overdue": "on",
        "sort": "-last_contact",
    }


PAGES = {
    "customers:list": Page(
        lambda w: reverse("customers:list"), lambda w: _customer_filters(w) | {"page": "1"}
    ),
    "customers:export": Page(lambda w: reverse("customers:export"), _customer_filters),
    "interactions:complaints": Page(
        lambda w: reverse("interactions:complaints"),
        lambda w: {"status": "all", "severity": "normal", "assignee": str(w.staff.pk), "page": "1"},
    ),
    "interactions:follow-ups": Page(
        lambda w: reverse("interactions:follow-ups"),
        lambda w: {
            "tab": "team",
            "assignee": str(w.staff.pk),
            "promised": "on",
            "overdue": "on",
            "page": "1",
        },
    ),
    "dashboard": Page(lambda w: reverse("dashboard"), lambda w: {"period": "90"}),
    "staff-member": Page(
        lambda w: reverse("staff-member", args=[w.staff.pk]), lambda w: {"period": "90"}
    ),
    "customers:detail": Page(
        lambda w: reverse("customers:detail", args=[w.customer.pk]),
        lambda w: _timeline_filters(w) | {"page": "1", "follow_up_for": str(w.interaction.pk)},
    ),
    "interactions:history": Page(
        lambda w: reverse("interactions:history", args=[w.customer.pk]), _timeline_filters
    ),
    "interactions:history-csv": Page(
        lambda w: reverse("interactions:history-csv", args=[w.customer.pk]), _timeline_filters
    ),
    # Opening a case from a logged complaint: an interaction that is not one is a 404.
    "interactions:complaint-new": Page(
        lambda w: reverse("interactions:complaint-new", args=[w.customer.pk]),
        lambda w: {"interaction": str(w.openable_complaint.pk)},
        (200, 404),
    ),
    "interactions:log": Page(
        lambda w: reverse("interactions:log", args=[w.customer.pk]), lambda w: NEXT
    ),
    "customers:erase-due": Page(lambda w: reverse("customers:erase-due"), lambda w: {"page": "1"}),
}
PAGE_PARAMETERS = [(key, name) for key, page in PAGES.items() for name in _names(page.query)]


@fuzz_one_value
@pytest.mark.parametrize(
    "page_key, name", PAGE_PARAMETERS, ids=[f"{k}-{n}" for k, n in PAGE_PARAMETERS]
)
def test_each_query_parameter_shows_the_page_whatever_its_value(scene, page_key, name, change):
    page = PAGES[page_key]
    client = scene.client_for("manager")
    with rolled_back():
        query = _spoil(page.query(scene), name, change)
        response = client.get(page.path(scene), query)
        assert response.status_code in page.statuses
        if response.streaming:  # the rows are read as the response streams
            b"".join(response.streaming_content)


# Paths ----------------------------------------------------------------------------------------

INT_PATTERNS = [p for p in PATTERNS if "<int:" in p.route and not p.key.startswith("admin")]
# None, past a 32-bit and a 64-bit id column, and past what int() reads.
HUGE_IDS = ["0", str(2**31), str(2**63), "9" * 5000]


@pytest.mark.parametrize("pattern", INT_PATTERNS, ids=lambda p: p.key)
def test_an_id_in_a_path_past_any_row_is_not_found(world, pattern):
    client = world.client_for("manager")
    if pattern.route.startswith("api/"):
        # The API opens to a token, not a session.
        _token, raw = token_create(user=world.manager, name="hostile ids", scope="write")
        client = Client(headers={"Authorization": f"Bearer {raw}"})
    for number in HUGE_IDS:
        path = "/" + re.sub(r"<int:\w+>", number, pattern.route)
        for method in (client.get, client.post):
            with rolled_back():
                response = method(path)
                assert response.status_code in (404, 405), f"{method.__name__} {path[:80]}"


@fuzz_one_value
@pytest.mark.parametrize("name", ["voice:survey", "unsubscribe"])
def test_a_spoiled_survey_or_unsubscribe_link_gets_a_page_not_an_error(world, name, change):
    valid = world.survey_token if name == "voice:survey" else world.unsubscribe_token
    # Every change spoils the signature, and so the link.
    token = change.apply(valid)
    client = world.client_for("anonymous")
    path = reverse(name, args=["TOKEN"]).replace("TOKEN", quote(token, safe=""))
    for method in (client.get, client.post):
        with rolled_back():
            before = db_fingerprint()
            response = method(path, {"satisfaction": "5"} if method == client.post else {})
            assert response.status_code == 404
            assert db_fingerprint() == before
