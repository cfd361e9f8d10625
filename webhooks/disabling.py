"""Disabling an endpoint: by a manager, or by the worker when it keeps failing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.emails import render_email
from core.languages import languages_of
from core.models import OutgoingEmail
from core.outbox.queue import emails_queue
from core.roles import MANAGER_GROUP

from .models import WebhookDelivery, WebhookEndpoint
from .subscriptions import forget_subscriptions


@transaction.atomic
def endpoint_disable(endpoint_id: int, *, reason: str, notify: bool = False, **only) -> bool:
    """Stop sending to the endpoint, if it is enabled (and matches ``only``): once, however
    many workers ask at the same moment. What was waiting for it is given up (a manager can
    replay it), and with ``notify`` every active manager gets one email saying so."""
    now = timezone.now()
    disabled = WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True, **only).update(
        enabled=False, disabled_at=now, disabled_reason=reason[:300]
    )
    if not disabled:
        return False
    WebhookDelivery.objects.filter(
        endpoint_id=endpoint_id, state__in=WebhookDelivery.WAITING
    ).update(state=WebhookDelivery.State.GIVEN_UP, last_error="The endpoint was disabled.")
    forget_subscriptions()
    if notify:
        _tell_managers(WebhookEndpoint.objects.get(pk=endpoint_id))
    return True


def _tell_managers(endpoint: WebhookEndpoint) -> None:
    managers = list(
        get_user_model()
        .objects.filter(groups__name=MANAGER_GROUP, is_active=True)
        .exclude(email="")
        .distinct()
    )
    languages = languages_of(managers)
    context = {
        "endpoint": endpoint,
        "endpoint_url": settings.SITE_URL + endpoint.get_absolute_url(),
    }
    emails_queue(
        [
            OutgoingEmail(
                kind="webhook-disabled",
                to=manager.email,
                person=manager,
                about=endpoint,
                **render_email("webhook-disabled", context, language=languages[manager.pk]),
            )
            for manager in managers
        ]
    )
