"""Email that reaches Rapport: each message stored raw as it came, then filed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundMessage(models.Model):
    """One email as received, kept before anything else happens so that nothing is lost if a
    later step fails; ``dedupe_key`` makes a second copy of it (a retried delivery, the same
    message by another way in) find the first."""

    class Source(models.TextChoices):
        SMTP = "smtp", _("SMTP receiver")
        IMAP = "imap", _("IMAP mailbox")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        FILED = "filed", _("Filed on the timeline")
        UNMATCHED = "unmatched", _("Matches no customer")
        IGNORED = "ignored", _("Ignored as automatic mail")
        SET_ASIDE = "set_aside", _("Set aside by staff")
        FAILED = "failed", _("Failed")
        # Above INBOUND_MAX_BYTES in an IMAP mailbox: its headers kept, the message left there.
        TOO_BIG = "too_big", _("Too big: left in the mailbox")

    source = models.CharField(max_length=10, choices=Source)
    received_at = models.DateTimeField(auto_now_add=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    # The Message-ID header, or a hash of the content for a message without one.
    dedupe_key = models.CharField(max_length=255, unique=True)
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.TextField(blank=True)
    # Read from the headers when the message is processed, for the pages that list mail.
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    # The start of the new text, for the inbox to show without reading the raw message again.
    excerpt = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State, default=State.RECEIVED)
    # Why automatic mail was ignored, or the error of a message that failed.
    reason = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Who filed or set aside a message that matched no customer, from the inbox.
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interactions = models.ManyToManyField(
        "interactions.Interaction", blank=True, related_name="inbound_messages"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="inbound_waiting",
                condition=models.Q(state="received"),
            ),
            models.Index(
                fields=["state", "received_at"],
                name="inbound_for_people",
                condition=models.Q(state__in=["unmatched", "failed"]),
            ),
        ]

    def __str__(self):
        return self.subject or self.dedupe_key


class Mailbox(models.Model):
    """Where polling of one IMAP folder of INBOUND_IMAP_URLS has got to. UIDs count only within
    one UIDVALIDITY: when the server changes it, the folder is read again from the start, and the
    Message-IDs already stored keep anything from coming in twice."""

    # user@host:port/folder: the URL without its password.
    key = models.CharField(max_length=500, unique=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    # One worker polls a mailbox at a time: it holds it until then.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_reached_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return self.key
