"""Announcements: news of a service or an offer, sent once to each customer it concerns."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Announcement(models.Model):
    class Kind(models.TextChoices):
        # Changes to how we serve existing customers: every customer not opted out of email.
        SERVICE = "service", _("Service notice")
        # News and offers: only customers who agreed to marketing email.
        MARKETING = "marketing", _("Marketing")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        SENT = "sent", _("Sent")

    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(
        _("message"),
        max_length=20_000,
        help_text=_(
            "Plain text. A blank line starts a paragraph; **bold**, *italic*, lines starting "
            "with - for a list, and web addresses become links."
        ),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.SERVICE)
    # The customer list's own filters, as its query string's fields.
    audience = models.JSONField(default=dict, blank=True)
    # "Unmet wants mention …": words matched against customers' unmet wants and survey wishes.
    wishes = models.CharField(_("unmet wants mention"), max_length=200, blank=True)
    only_wishers = models.BooleanField(_("only customers whose wishes match"), default=False)
    state = models.CharField(max_length=10, choices=State, default=State.DRAFT)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The audit trail: who wrote, sent, paused or cancelled it, and when.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["send_at"],
                name="announcement_to_send",
                condition=models.Q(state__in=["scheduled", "sending"]),
            )
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("announcements:detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT


class Recipient(models.Model):
    """One customer an announcement goes to: claimed once, its email queued in the same
    transaction, so no customer gets it twice whatever the workers do."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        QUEUED = "queued", _("Handed to the outbox")
        SKIPPED = "skipped", _("Not sent")

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="recipients"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="announcements_received"
    )
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    # Why it was not sent after all (the customer opted out or lost their address meanwhile).
    reason = models.CharField(max_length=200, blank=True)
    # The customer's own words that matched the announcement, quoted to the manager.
    wish = models.TextField(blank=True)
    wish_met_at = models.DateTimeField(null=True, blank=True)
    email = models.OneToOneField(
        "crm.OutgoingEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "customer"], name="announcement_once_per_customer"
            )
        ]
        indexes = [
            models.Index(
                fields=["announcement", "id"],
                name="recipient_waiting",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["queued_at"], name="recipient_queued_at"),
        ]

    def __str__(self):
        return f"{self.announcement} → {self.customer}"

    def get_absolute_url(self):
        return self.announcement.get_absolute_url()

    # As an entry on the customer's timeline (interactions.timeline).
    timeline_label = _("Announcement sent")

    @property
    def timeline_summary(self) -> str:
        if not self.wish:
            return self.announcement.subject
        if self.wish_met_at:
            return _("%(subject)s (told them of the wish they had: “%(wish)s”; marked as met)") % {
                "subject": self.announcement.subject,
                "wish": self.wish,
            }
        return _("%(subject)s (they had asked: “%(wish)s”)") % {
            "subject": self.announcement.subject,
            "wish": self.wish,
        }

    @property
    def timeline_by(self):
        return self.announcement.created_by
