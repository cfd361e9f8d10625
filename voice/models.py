from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text_search import SEARCH_CONFIG
from customers.models import Customer
from interactions.models import Complaint, Interaction


class FeedbackSubmission(models.Model):
    """One message sent through the public feedback form, stored as written before anything
    else happens, so that nothing a customer writes is lost if a later step fails."""

    class Topic(models.TextChoices):
        COMPLAINT = "complaint", _("A complaint")
        QUESTION = "question", _("A question")
        PRAISE = "praise", _("Praise")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("On the customer's timeline")
        # Nobody to log it as (no owner, no active manager): waits for a person.
        HELD = "held", _("Held: no one to log it as")
        FAILED = "failed", _("Failed: process again")
        SPAM = "spam", _("Spam (honeypot)")

    class Acknowledgement(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("In the outbox")
        SENT = "sent", _("Sent")
        BY_COMPLAINT = "by_complaint", _("Sent with the complaint case")
        NOT_SENT = "not_sent", _("Not sent (opted out)")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic)
    message = models.TextField(_("message"))
    order_ref = models.CharField(_("order reference"), max_length=100, blank=True)
    # The language the form was filled in: a new customer's, and of the reply to them.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # A keyed hash of the client's address: enough to rate-limit, not enough to track anyone.
    client_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.RECEIVED)
    error = models.TextField(_("error"), blank=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_submissions",
    )
    interaction = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Claimed (pending -> sending) in the transaction that queues the email, so it is queued once.
    acknowledgement = models.CharField(
        max_length=20, choices=Acknowledgement, default=Acknowledgement.PENDING
    )
    acknowledgement_attempts = models.PositiveSmallIntegerField(default=0)
    acknowledgement_error = models.TextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # They ticked "Send me news and offers": nothing is recorded until they confirm by the link
    # emailed to the address, which goes once (claimed by setting news_confirmation_at) when the
    # submission is processed and its customer known.
    wants_news = models.BooleanField(_("asked for news and offers"), default=False)
    news_confirmation_at = models.DateTimeField(
        _("news confirmation handled"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The rate limits count the last hour's rows per address and per client.
            models.Index(fields=["email", "created_at"], name="feedback_by_email"),
            models.Index(fields=["client_hash", "created_at"], name="feedback_by_client"),
            models.Index(
                fields=["created_at"],
                name="feedback_needs_attention",
                condition=Q(state__in=["received", "held", "failed"]),
            ),
        ]

    def __str__(self):
        return f"{self.get_topic_display()} from {self.name} <{self.email}>"


class Survey(models.Model):
    """A survey sent to a customer, with their answers once they give them.

    Only the SHA-256 of the link's token is stored (set when the email is queued); the link
    itself is in the outbox only until the email is sent. ``answered_at`` is claimed by a
    conditional UPDATE: a link is answered once."""

    class Reason(models.TextChoices):
        AFTER_COMPLAINT = "after_complaint", _("After a complaint")
        PERIODIC = "periodic", _("Periodic")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed to send")
        SKIPPED = "skipped", _("Not sent (opted out or no email)")
        ON_CASE_PAGE = "case_page", _("Offered on the case page")

    class Switching(models.TextChoices):
        NO = "no", _("No")
        YES = "yes", _("Yes")
        RATHER_NOT_SAY = "rather_not_say", _("I'd rather not say")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="surveys")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys"
    )
    # The local day it was planned: two planners on one day create one periodic survey.
    planned_on = models.DateField(default=timezone.localdate)
    # NULL until the email is sent (the token is made then); unique ignores NULLs, not "".
    token_hash = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # The answers.
    satisfaction = models.PositiveSmallIntegerField(
        _("overall satisfaction (1–5)"), null=True, blank=True
    )
    recommend = models.PositiveSmallIntegerField(
        _("likely to recommend us (0–10)"), null=True, blank=True
    )
    unmet_want = models.TextField(_("anything they wish we offered"), blank=True)
    considered_switching = models.CharField(
        _("considered switching"), max_length=20, choices=Switching, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    interaction = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(complaint__isnull=False),
                name="survey_once_per_complaint",
            ),
            models.UniqueConstraint(
                fields=["customer", "planned_on"],
                condition=Q(reason="periodic"),
                name="survey_periodic_once_a_day",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="survey_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(recommend__isnull=True) | Q(recommend__lte=10),
                name="survey_recommend_0_to_10",
            ),
        ]
        indexes = [
            # Announcements find the customers whose survey wishes mention their words.
            GinIndex(SearchVector("unmet_want", config=SEARCH_CONFIG), name="survey_wish_fts"),
            # The planner's "surveyed lately?" test, and the loyalty loader's latest answer.
            models.Index(fields=["customer", "-created_at"], name="survey_customer_recent"),
            models.Index(
                fields=["customer", "-answered_at"],
                name="survey_customer_answered",
                condition=Q(answered_at__isnull=False),
            ),
            # The dashboard's NPS by week and recent unmet wants.
            models.Index(
                fields=["answered_at"],
                name="survey_answered",
                condition=Q(answered_at__isnull=False),
            ),
            models.Index(
                fields=["created_at"], name="survey_pending", condition=Q(state="pending")
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} survey for {self.customer}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
