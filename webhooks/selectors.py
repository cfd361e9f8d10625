"""Reads of webhooks: the endpoints with their last delivery, and an endpoint's delivery log."""

from django.db.models import OuterRef, Subquery

from .models import WebhookDelivery, WebhookEndpoint


def endpoints_with_last_delivery() -> list[WebhookEndpoint]:
    """Every endpoint, newest first, with the state (``last_state``, a label), time and event
    of its last delivery."""
    last = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    endpoints = list(
        WebhookEndpoint.objects.annotate(
            last_state=Subquery(last.values("state")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
            last_event=Subquery(last.values("event")[:1]),
        )
    )
    for endpoint in endpoints:
        if endpoint.last_state:
            endpoint.last_state = WebhookDelivery.State(endpoint.last_state).label
    return endpoints


def delivery_log(endpoint: WebhookEndpoint):
    """The endpoint's deliveries, newest first (the payload left for the page that needs it)."""
    return endpoint.deliveries.defer("payload").order_by("-created_at", "-id")
