"""Webhooks: the endpoints managers register, and each event's delivery to each of them."""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A signing secret: 256 random bits, prefixed so that one pasted in the wrong place is
    recognisable."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """An address that receives the events it subscribes to as signed JSON POSTs."""

    class Event(models.TextChoices):
        CUSTOMER_CREATED = "customer.created", _("A customer is added")
        CUSTOMER_UPDATED = "customer.updated", _("A customer's profile is changed")
        INTERACTION_LOGGED = "interaction.logged", _("An interaction is logged")
        COMPLAINT_OPENED = "complaint.opened", _("A complaint is opened")
        COMPLAINT_RESOLVED = "complaint.resolved", _("A complaint is resolved")
        COMPLAINT_BREACHED = "complaint.breached", _("A complaint misses a target")
        FOLLOW_UP_DUE = "follow_up.due", _("A follow-up falls due")
        FOLLOW_UP_OVERDUE = "follow_up.overdue", _("A follow-up is overdue")
        CHECKIN_OVERDUE = "checkin.overdue", _("A customer's check-in falls due")

    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=40, choices=Event), verbose_name=_("events"))
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Deliveries in a row that failed every attempt; one that arrives sets it back to 0.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Which enabled endpoints want an event: events @> ARRAY[name].
            GinIndex(fields=["events"], name="webhook_endpoint_events"),
        ]

    def __str__(self):
        return self.description or self.url

    def get_absolute_url(self):
        return reverse("webhooks:detail", args=[self.pk])


class WebhookDelivery(models.Model):
    """One event for one endpoint: written in the transaction of what it tells, then claimed
    and POSTed by a worker, tried again with backoff, and kept for the delivery log."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        # The last attempt failed; the next is due at next_attempt_at.
        FAILED = "failed", _("Failed, will retry")
        GIVEN_UP = "given_up", _("Given up")

    # The states a worker may claim, once next_attempt_at has come.
    WAITING = (State.QUEUED, State.FAILED)

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    # The receiver's key to drop a duplicate: the same on every attempt and on a replay.
    event_id = models.CharField(max_length=200)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_once_per_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=["queued", "failed"]),
                name="webhook_delivery_due",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(state="sending"),
                name="webhook_delivery_claimed",
            ),
            # The delivery log, newest first, and the last delivery on the list.
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_log"),
            models.Index(fields=["created_at"], name="webhook_delivery_age"),
        ]

    # The data rights (privacy): an event's name and id say nothing of the customer.
    privacy_kept_fields = ("event", "event_id")

    def __str__(self):
        return f"{self.event} to {self.endpoint_id} ({self.get_state_display().lower()})"

    @classmethod
    def privacy_rows(cls, customer):
        """The deliveries that tell of ``customer`` (the customer, or something of theirs):
        their export lists them and their erasure empties them."""
        return cls.objects.filter(
            models.Q(payload__data__customer__id=customer.pk)
            | models.Q(payload__data__object="customer", payload__data__id=customer.pk)
        )
