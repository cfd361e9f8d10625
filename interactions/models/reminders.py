"""What is due for whom, and the daily digests that tell them."""

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class Reminder(models.Model):
    """Something due for a member of staff. Planning creates these; digests announce them.

    (kind, object_id, detail, due_on) is unique, so planning the same day twice adds nothing.
    ``object_id`` is the customer, follow-up or complaint the reminder is about; ``detail`` tells
    a complaint's two targets apart, and a birthday from an anniversary.
    """

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in due")
        FOLLOW_UP = "follow_up", _("Follow-up due")
        COMPLAINT_TARGET = "complaint_target", _("Complaint target")
        COMPLAINT_REPLY = "complaint_reply", _("Customer replied")
        KEY_DATE = "key_date", _("Key date")

    # Kinds about a case: object_id is the complaint, and the work is on its page.
    COMPLAINT_KINDS = (Kind.COMPLAINT_TARGET, Kind.COMPLAINT_REPLY)

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DONE = "done", _("Done")
        SNOOZED = "snoozed", _("Snoozed")
        DISMISSED = "dismissed", _("Dismissed")
        FAILED = "failed", _("Failed to send")

    # States in which a reminder still asks for attention.
    LIVE_STATES = (State.PENDING, State.SENT, State.SNOOZED, State.FAILED)

    class Detail(models.TextChoices):
        NONE = "", ""
        RESPOND = "respond", _("response due")
        RESOLVE = "resolve", _("resolution due")
        BIRTHDAY = "birthday", _("birthday")
        ANNIVERSARY = "anniversary", _("anniversary as a customer")

    kind = models.CharField(max_length=20, choices=Kind)
    object_id = models.BigIntegerField()
    detail = models.CharField(max_length=20, choices=Detail, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    due_on = models.DateField()
    state = models.CharField(max_length=20, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateField(null=True, blank=True)
    dismissed_reason = models.CharField(max_length=200, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    # Set once, by the conditional UPDATE that claims a breached target's escalation email.
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "detail", "due_on"], name="reminder_once_per_due_date"
            )
        ]
        indexes = [
            # The digest and My day: a recipient's reminders that still need attention.
            models.Index(
                fields=["recipient", "due_on"],
                name="reminder_live_by_recipient",
                condition=Q(state__in=["pending", "sent", "snoozed", "failed"]),
            ),
            # The digest sender: recipients with something not yet announced.
            models.Index(fields=["due_on"], name="reminder_pending", condition=Q(state="pending")),
            models.Index(
                fields=["created_at"],
                name="reminder_unescalated",
                condition=Q(kind="complaint_target", escalated_at__isnull=True),
            ),
            models.Index(fields=["state"], name="reminder_failed", condition=Q(state="failed")),
            # Check-in adherence per person on the dashboard.
            models.Index(fields=["recipient", "kind", "due_on"], name="reminder_recipient_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.customer} ({self.due_on})"

    def get_absolute_url(self):
        """Where the work is: the case for a complaint target or reply, else the customer."""
        if self.kind in self.COMPLAINT_KINDS:
            return reverse("interactions:complaint", args=[self.object_id])
        return self.customer.get_absolute_url()

    def is_visible_on(self, today: datetime.date) -> bool:
        if self.state not in self.LIVE_STATES or self.due_on > today:
            return False
        return not (self.snoozed_until and self.snoozed_until > today)


class Digest(models.Model):
    """One day's reminder email to one member of staff; unique, so it is sent once."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("In the outbox")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField()
    state = models.CharField(max_length=20, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    item_count = models.PositiveIntegerField(default=0)
    # The reminders its email lists, marked sent or failed with it.
    reminder_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # When its email was queued.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_a_day")
        ]
        indexes = [
            models.Index(fields=["day"], name="digest_unsent", condition=~Q(state="sent")),
        ]

    def __str__(self):
        return f"Digest for {self.recipient} on {self.day}"
