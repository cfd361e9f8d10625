"""What was said and done with a customer: the timeline's entries, and their daily counts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.links import link
from customers.models import Customer
from interactions.querysets import InteractionQuerySet


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

    class Mood(models.IntegerChoices):
        ANGRY = 1, _("Angry")
        FRUSTRATED = 2, _("Frustrated")
        NEUTRAL = 3, _("Neutral")
        PLEASED = 4, _("Pleased")
        DELIGHTED = 5, _("Delighted")

    mood = models.PositiveSmallIntegerField(
        _("how did they feel?"), choices=Mood, null=True, blank=True
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
            # Whose mood was noted lately (interactions.moods): a few among many.
            models.Index(
                fields=["occurred_at", "customer"],
                name="interaction_mood_noted",
                condition=Q(mood__isnull=False),
            ),
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
