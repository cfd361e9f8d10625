import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.links import link
from customers.models import Customer

from .querysets import ComplaintQuerySet, FollowUpQuerySet, InteractionQuerySet


class Interaction(models.Model):
    """One touch with a customer, as the member of staff who had it tells it."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        CHECK_IN = "check_in", _("Check-in")
        NOTE = "note", _("Note")
        PURCHASE = "purchase", _("Purchase")
        COMPLAINT = "complaint", _("Complaint")
        FEEDBACK = "feedback", _("Feedback")
        FOLLOW_UP = "follow_up", _("Follow-up")

    # A note is written about the customer, not with them: it does not restart the clock.
    CUSTOMER_FACING = frozenset(Kind.values) - {Kind.NOTE}

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video call")
        SMS = "sms", _("Text message")
        WEB = "web", _("Website")
        OTHER = "other", _("Other")

    class Initiator(models.TextChoices):
        US = "us", _("Us")
        CUSTOMER = "customer", _("The customer")

    class Outcome(models.TextChoices):
        EXCEEDED = "exceeded", _("Exceeded expectations")
        MET = "met", _("Met expectations")
        FELL_SHORT = "fell_short", _("Fell short")
        UNKNOWN = "unknown", _("Not known")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="interactions", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CALL)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, default=Channel.PHONE)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    summary = models.CharField(_("summary"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="interactions",
        verbose_name=_("logged by"),
    )
    initiated_by = models.CharField(
        _("started by"), max_length=20, choices=Initiator, default=Initiator.US
    )
    outcome = models.CharField(
        _("outcome against expectation"), max_length=20, choices=Outcome, default=Outcome.UNKNOWN
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        choices=[(n, str(n)) for n in range(1, 6)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = InteractionQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="interaction_timeline"),
            # Covers the dashboard's weekly counts by kind and outcome (index-only scans).
            models.Index(fields=["occurred_at", "kind", "outcome"], name="interaction_week_mix"),
            # The dashboard's recent "fell short" per customer, from the index alone.
            models.Index(
                fields=["occurred_at"],
                name="interaction_fell_short_by",
                include=["customer"],
                condition=Q(outcome="fell_short"),
            ),
            models.Index(fields=["author", "occurred_at"], name="interaction_author_when"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="interaction_satisfaction_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"

    def get_absolute_url(self):
        return link("customers:detail", self.customer_id) + f"#interaction-{self.pk}"

    @property
    def is_customer_facing(self) -> bool:
        return self.kind in self.CUSTOMER_FACING


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
    # Claimed by a conditional UPDATE before the email goes out, so it is sent once.
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
            # complaint_emails_resend_pending: resolution notices that lost their task.
            models.Index(
                fields=["resolved_at"],
                name="complaint_resolution_unsent",
                condition=Q(resolved_at__isnull=False, resolution_notice_sent_at__isnull=True),
            ),
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


class ComplaintEvent(models.Model):
    """What happened to a complaint and who did it: the case's own timeline."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        REMEDY = "remedy", _("Remedy")
        EMAIL = "email", _("Customer emailed")

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


class FollowUp(models.Model):
    """Something we will do for a customer by a date; a promise when we told them so."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("customer")
    )
    interaction = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    summary = models.CharField(_("what to do"), max_length=200)
    due_on = models.DateField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("assignee"),
    )
    promised = models.BooleanField(
        _("promised to the customer"),
        default=False,
        help_text=_("We told the customer we would do this by the due date."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_on_time = models.BooleanField(_("done on time"), null=True, editable=False)

    history = HistoricalRecords()
    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["assignee", "due_on"],
                name="followup_open_by_assignee",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(
                fields=["due_on"], name="followup_open_due", condition=Q(done_at__isnull=True)
            ),
            # Promises kept, per member of staff, on the dashboard: from the index alone.
            models.Index(
                fields=["assignee", "due_on"],
                include=["done_at", "done_on_time"],
                name="followup_promises",
                condition=Q(promised=True),
            ),
            models.Index(fields=["customer", "-created_at"], name="followup_customer"),
            models.Index(fields=["done_at"], name="followup_done"),
        ]

    def __str__(self):
        return self.summary

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def next_due(self) -> datetime.date:
        """When it next needs attention: the snooze date if later than the due date."""
        if self.snoozed_until and self.snoozed_until > self.due_on:
            return self.snoozed_until
        return self.due_on

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return not self.is_done and self.due_on < (today or timezone.localdate())


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
        KEY_DATE = "key_date", _("Key date")

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

    def is_visible_on(self, today: datetime.date) -> bool:
        if self.state not in self.LIVE_STATES or self.due_on > today:
            return False
        return not (self.snoozed_until and self.snoozed_until > today)


class Digest(models.Model):
    """One day's reminder email to one member of staff; unique, so it is sent once."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
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
    # When a worker claimed it; a claim far older than any task may run means that worker died.
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


class InteractionDayCount(models.Model):
    """How many interactions of each kind and outcome happened on each local day.

    The dashboard reads a year of history from here instead of a year of interactions.
    interactions.stats keeps it exact: closed days are counted once, a back-dated or corrected
    interaction recounts its day, and the last two days are always counted live.
    """

    day = models.DateField()
    kind = models.CharField(max_length=20, choices=Interaction.Kind)
    outcome = models.CharField(max_length=20, choices=Interaction.Outcome)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "kind", "outcome"], name="day_count_once")
        ]

    def __str__(self):
        return f"{self.day} {self.kind}/{self.outcome}: {self.count}"


class InteractionDaysCounted(models.Model):
    """One row: the last day InteractionDayCount holds. Later days are counted live."""

    through = models.DateField()

    def __str__(self):
        return f"Interactions counted through {self.through}"
