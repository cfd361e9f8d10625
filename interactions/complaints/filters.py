"""The complaint queue's filters: status (open cases unless asked), severity and assignee."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapForm, shared_choices
from customers.forms import assignable_users, person_choices
from interactions.models import Complaint

# "open" is every live status, as a queue is read; the single status "open" is "not acknowledged".
ALL_OPEN, EVERYTHING, NOT_ACKNOWLEDGED = "open", "all", "not_acknowledged"
STATUS_CHOICES = [
    (ALL_OPEN, _("All open")),
    (NOT_ACKNOWLEDGED, _("Not acknowledged yet")),
    (Complaint.Status.ACKNOWLEDGED, Complaint.Status.ACKNOWLEDGED.label),
    (Complaint.Status.IN_PROGRESS, Complaint.Status.IN_PROGRESS.label),
    (Complaint.Status.RESOLVED, Complaint.Status.RESOLVED.label),
    (Complaint.Status.CLOSED, Complaint.Status.CLOSED.label),
    (EVERYTHING, _("All, including closed")),
]
MINE, UNASSIGNED = "mine", "none"


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=shared_choices(STATUS_CHOICES),
        method="filter_status",
        empty_label=None,
    )
    severity = django_filters.ChoiceFilter(
        label=_("Severity"),
        choices=shared_choices(Complaint.Severity.choices),
        empty_label=_("Any"),
    )
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"), method="filter_assignee", empty_label=_("Anyone")
    )

    class Meta:
        model = Complaint
        fields = []
        form = BootstrapForm

    def __init__(self, data=None, *args, user=None, **kwargs):
        # The queue opens on the live cases; the default has to be in the data to be applied.
        data = data.copy() if data is not None else {}
        if not data.get("status"):
            data["status"] = ALL_OPEN
        super().__init__(data, *args, **kwargs)
        self.user = user
        people = person_choices(assignable_users())
        self.filters["assignee"].extra["choices"] = shared_choices(
            [(MINE, _("Mine")), (UNASSIGNED, _("Unassigned")), *people]
        )

    def filter_status(self, queryset, name, value):
        if value == ALL_OPEN:
            return queryset.open()
        if value == NOT_ACKNOWLEDGED:
            return queryset.filter(status=Complaint.Status.OPEN)
        if value == EVERYTHING:
            return queryset
        return queryset.filter(status=value)

    def filter_assignee(self, queryset, name, value):
        if value == MINE:
            return queryset.assigned_to(self.user)
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=value)


def is_filtered(data) -> bool:
    """Whether the queue shows something other than its default (all open, anyone, any)."""
    return data.get("status", ALL_OPEN) != ALL_OPEN or any(
        data.get(key) for key in ("severity", "assignee")
    )
