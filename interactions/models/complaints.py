"""Complaint cases and what happened to each."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.links import link
from customers.models import Customer
from interactions.querysets import ComplaintQuerySet

from .interactions import Interaction


class Complaint(models.Model):
    """A complaint handled as a case: targets from its severity, a workflow, a remedy."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    SEVERITY_RANK = {Severity.URGENT: 0, Severity.HIGH: 1, Severity.NORMAL: 2, Severity.LOW: 3}

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
    # The allowed moves; anything else is refused with a message and changes nothing.
    TRANSITIONS = {
        Status.OPEN: (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED),
        Status.ACKNOWLEDGED: (Status.IN_PROGRESS, Status.RESOLVED),
        Status.IN_PROGRESS: (Status.RESOLVED,),
        Status.RESOLVED: (Status.CLOSED, Status.OPEN),
        Status.CLOSED: (Status.OPEN,),
    }

    class Remedy(models.TextChoices):
        NONE = "", _("None yet")
        REPLACEMENT = "replacement", _("Replacement")
        REPAIR = "repair", _("Repair")
        REFUND = "refund", _("Refund")
        ON_SITE = "on_site", _("On-site service")
        GOODWILL = "goodwill", _("Goodwill gesture")
        APOLOGY = "apology", _("Apology")
        NO_REMEDY = "no_remedy", _("No remedy")

    class Cause(models.TextChoices):
        # Why customers turn away: what they got for the price, how we work, how we treated
        # them; or nothing we did.
        VALUE = "value", _("Value: quality, quantity, reliability, suitability for the price")
        SYSTEM = "system", _("System: procedures, waiting, slow service, unclear information")
        PEOPLE = "people", _("People: rigid, indifferent or rude staff")
        NOT_OURS = "not_ours", _("Not our fault")

    class TargetStatus(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        DUE_SOON = "due_soon", _("Due soon")
        BREACHED = "breached", _("Breached")
        MET = "met", _("Met")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("customer")
    )
    interaction = models.OneToOneField(
        Interaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaint",
        verbose_name=_("opened from"),
    )
    summary = models.CharField(_("what went wrong"), max_length=200)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity, default=Severity.NORMAL
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_complaints",
        verbose_name=_("assignee"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="opened_complaints",
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    respond_by = models.DateTimeField(_("respond by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    remedy = models.CharField(
        _("remedy offered"), max_length=20, choices=Remedy, default=Remedy.NONE, blank=True
    )
    remedy_accepted = models.BooleanField(_("customer accepted the remedy"), null=True, blank=True)
    resolution_summary = models.TextField(_("resolution"), blank=True)
    cause = models.CharField(_("cause"), max_length=20, choices=Cause, blank=True)
    sub_cause = models.ForeignKey(
        "ComplaintSubCause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sub-cause"),
    )
    # The customer's own page (/case/<token>/): when they last looked, and what they said
    # about the resolution (None until they say; a reopening asks again).
    customer_seen_at = models.DateTimeField(
        _("seen by the customer"), null=True, blank=True, editable=False
    )
    customer_says_fixed = models.BooleanField(
        _("the customer says it is fixed"), null=True, blank=True, editable=False
    )
    # When the email went out (core.outbox).
    acknowledgement_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["resolve_by", "id"]
        indexes = [
            models.Index(
                fields=["resolve_by", "id"],
                name="complaint_open_queue",
                condition=Q(status__in=["open", "acknowledged", "in_progress"]),
            ),
            models.Index(
                fields=["respond_by"],
                name="complaint_awaiting_response",
                condition=Q(
                    status__in=["open", "acknowledged", "in_progress"],
                    first_response_at__isnull=True,
                ),
            ),
            models.Index(fields=["assignee", "status"], name="complaint_assignee_status"),
            models.Index(fields=["customer", "-opened_at"], name="complaint_customer"),
            models.Index(fields=["opened_at"], name="complaint_opened"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.summary}"

    def get_absolute_url(self):
        return link("interactions:complaint", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def allowed_transitions(self):
        return self.TRANSITIONS[self.status]

    def target_status(self, now: datetime.datetime | None = None) -> str:
        """Where the case stands against the target that matters now: the response target until
        someone responds, then the resolution target."""
        now = now or timezone.now()
        if not self.is_open:
            met = self.resolved_at is None or self.resolved_at <= self.resolve_by
            return self.TargetStatus.MET if met else self.TargetStatus.BREACHED
        if self.first_response_at is None:
            start, target = self.opened_at, self.respond_by
        else:
            start, target = self.opened_at, self.resolve_by
        if now > target:
            return self.TargetStatus.BREACHED
        # "Due soon" once three quarters of the allowed time has gone.
        if now >= start + (target - start) * 0.75:
            return self.TargetStatus.DUE_SOON
        return self.TargetStatus.ON_TRACK


class ComplaintSubCause(models.Model):
    """A finer reason under a cause ("long queue" under system), from a short list managers
    keep; retired ones stay on the cases that used them."""

    cause = models.CharField(_("cause"), max_length=20, choices=Complaint.Cause)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["cause", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cause", "name"], name="complaint_sub_cause_once")
        ]

    def __str__(self):
        return f"{self.get_cause_display().split(':')[0]}: {self.name}"


class ComplaintEvent(models.Model):
    """What happened to a complaint and who did it: the case's own timeline."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        REMEDY = "remedy", _("Remedy")
        EMAIL = "email", _("Customer emailed")
        REPLY = "reply", _("Customer replied")
        TOLD = "told", _("Customer told")
        CUSTOMER = "customer", _("Customer answered")
        LINK = "link", _("New link sent")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    from_status = models.CharField(max_length=20, choices=Complaint.Status, blank=True)
    to_status = models.CharField(max_length=20, choices=Complaint.Status, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["complaint", "-at"], name="complaint_event_when")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.complaint_id})"


class CaseLink(models.Model):
    """A link to the case's page for the customer, one per email that carried it. Only the
    SHA-256 of its token is stored (interactions.complaints.case_links)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["complaint"],
                name="case_link_live",
                condition=Q(retired_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"Link to case #{self.complaint_id}"
