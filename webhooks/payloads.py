"""The JSON body of each event: what happened, and a small picture of the object it happened to.

Ids, the fields another tool would act on, dates in ISO 8601 and the object's page in Rapport.
Free text that can run long (an interaction's details, an email's body) is left out: the page,
or the API, has it.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from core.people import person_name
from customers.models import Customer
from interactions.models import Complaint, FollowUp, Interaction


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _page(path: str) -> str:
    return settings.SITE_URL + path


def _person(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": person_name(user)}


def _customer_ref(customer: Customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.name,
        "url": _page(customer.get_absolute_url()),
    }


def customer_data(customer: Customer) -> dict:
    return {
        "object": "customer",
        "id": customer.pk,
        "name": customer.name,
        "company": customer.company,
        "email": customer.email,
        "phone": customer.phone,
        "status": customer.status,
        "segment": customer.effective_segment(),
        "temperament": customer.temperament,
        "preferred_channel": customer.preferred_channel,
        "owner": _person(customer.owner),
        "tags": sorted(tag.name for tag in customer.tags.all()),
        "customer_since": _iso(customer.customer_since),
        "last_contact_at": _iso(customer.last_contact_at),
        "next_checkin_due": _iso(customer.next_checkin_due),
        "email_opt_out": customer.email_opt_out,
        "loyalty_score": customer.loyalty_score,
        "archived_at": _iso(customer.archived_at),
        "created_at": _iso(customer.created_at),
        "updated_at": _iso(customer.updated_at),
        "url": _page(customer.get_absolute_url()),
    }


def interaction_data(interaction: Interaction) -> dict:
    return {
        "object": "interaction",
        "id": interaction.pk,
        "customer": _customer_ref(interaction.customer),
        "kind": interaction.kind,
        "channel": interaction.channel,
        "occurred_at": _iso(interaction.occurred_at),
        "summary": interaction.summary,
        "initiated_by": interaction.initiated_by,
        "outcome": interaction.outcome,
        "satisfaction": interaction.satisfaction,
        "mood": interaction.mood,
        "author": _person(interaction.author),
        "created_at": _iso(interaction.created_at),
        "url": _page(interaction.get_absolute_url()),
    }


def complaint_data(complaint: Complaint) -> dict:
    return {
        "object": "complaint",
        "id": complaint.pk,
        "customer": _customer_ref(complaint.customer),
        "summary": complaint.summary,
        "severity": complaint.severity,
        "status": complaint.status,
        "target_status": complaint.target_status(),
        "assignee": _person(complaint.assignee),
        "opened_at": _iso(complaint.opened_at),
        "respond_by": _iso(complaint.respond_by),
        "resolve_by": _iso(complaint.resolve_by),
        "first_response_at": _iso(complaint.first_response_at),
        "resolved_at": _iso(complaint.resolved_at),
        "closed_at": _iso(complaint.closed_at),
        "remedy": complaint.remedy,
        "remedy_accepted": complaint.remedy_accepted,
        "resolution_summary": complaint.resolution_summary,
        "cause": complaint.cause,
        "url": _page(complaint.get_absolute_url()),
    }


def follow_up_data(follow_up: FollowUp) -> dict:
    return {
        "object": "follow_up",
        "id": follow_up.pk,
        "customer": _customer_ref(follow_up.customer),
        "summary": follow_up.summary,
        "due_on": _iso(follow_up.due_on),
        "promised": follow_up.promised,
        "assignee": _person(follow_up.assignee),
        "complaint_id": follow_up.complaint_id,
        "done_at": _iso(follow_up.done_at),
        # A follow-up is worked on its customer's profile.
        "url": _page(follow_up.customer.get_absolute_url()),
    }


DATA = {
    Customer: customer_data,
    Interaction: interaction_data,
    Complaint: complaint_data,
    FollowUp: follow_up_data,
}


def event_payload(name: str, instance, event_id: str) -> dict:
    """The body of event ``name`` about ``instance``: the same on every attempt."""
    return {
        "id": event_id,
        "event": name,
        "occurred_at": _iso(timezone.now()),
        "data": DATA[type(instance)](instance),
    }


def ping_payload(endpoint, event_id: str) -> dict:
    """The body of a test event, sent from the endpoint's page."""
    return {
        "id": event_id,
        "event": "ping",
        "occurred_at": _iso(timezone.now()),
        "data": {
            "object": "webhook_endpoint",
            "id": endpoint.pk,
            "message": "A test event from Rapport: this endpoint is reached.",
            "url": _page(endpoint.get_absolute_url()),
        },
    }
