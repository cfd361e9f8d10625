"""The record of each erasure: when, by whom, how many rows of each kind; nothing personal."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Erasure(models.Model):
    """One customer's erasure. The customer row it points to holds placeholders only; one
    erasure a customer (the constraint backs the row lock of privacy.erasure)."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.PROTECT, related_name="erasure"
    )
    erased_at = models.DateTimeField(_("erased"))
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erased by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # Rows changed, by model label ("interactions.Interaction": 12): what went, not what it said.
    scrubbed = models.JSONField(default=dict)
    # Rows that only mentioned them (a digest naming them), by model label.
    mentions = models.JSONField(default=dict)
    # Emails to them that had not gone yet, taken back.
    withdrawn_emails = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self):
        return f"Customer {self.customer_id} erased {self.erased_at:%Y-%m-%d}"
