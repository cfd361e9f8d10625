"""Follow-ups: what we will do for a customer by a date."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import Customer
from interactions.querysets import FollowUpQuerySet

from .complaints import Complaint
from .interactions import Interaction


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
