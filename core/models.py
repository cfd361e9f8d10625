from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PasswordResetRequest(models.Model):
    """A password reset email let through, counted against the hourly limits
    (core.password_reset). Both columns are keyed hashes: the table says nothing about who
    asked, and nothing about addresses that have no account."""

    created_at = models.DateTimeField(db_index=True)
    account_hash = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["account_hash", "created_at"], name="password_reset_by_account"),
            models.Index(fields=["client_hash", "created_at"], name="password_reset_by_client"),
        ]

    def __str__(self):
        return f"Password reset requested at {self.created_at:%Y-%m-%d %H:%M}"


class OutgoingEmailQuerySet(models.QuerySet):
    def about(self, obj):
        """The emails about ``obj`` (a case, a digest, a survey...)."""
        return self.filter(about_type=ContentType.objects.get_for_model(obj), about_id=obj.pk)


class OutgoingEmail(models.Model):
    """One email to one address, rendered when it was queued (core.outbox). Every email the
    product sends is a row here first, so each is claimed once, retried with backoff, swept
    when its worker died, and visible to managers when it did not go."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # The server may have the message: resending could deliver it twice.
        UNCERTAIN = "uncertain", _("May have been sent")

    kind = models.CharField(max_length=40)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # The Message-ID it is sent with, so that a reply's In-Reply-To or References finds it.
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    # To a customer (customers.emails), who may answer it: it carries a Reply-To that finds it.
    to_customer = models.BooleanField(default=False)
    # A link in it opens an account or a survey: never shown, and erased once sent.
    secret = models.BooleanField(default=False)
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    # Who on the team it concerns: the recipient of a staff email, or whoever looks after the
    # customer it went to.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=models.Q(state="queued"),
                name="outgoing_email_due",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(state="sending"),
                name="outgoing_email_claimed",
            ),
            models.Index(
                fields=["-created_at"],
                condition=models.Q(state__in=["failed", "uncertain"]),
                name="outgoing_email_failures",
            ),
            models.Index(fields=["about_type", "about_id"], name="outgoing_email_about"),
        ]

    def __str__(self):
        return f"{self.kind} to {self.to} ({self.get_state_display().lower()})"


class Preferences(models.Model):
    """A member of staff's own settings: the language Rapport speaks to them (blank: their
    browser's), on the pages and in the emails it sends them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave it to your browser, or choose one."),
    )

    def __str__(self):
        return f"{self.user}: {self.language or 'browser'}"
