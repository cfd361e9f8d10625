"""Narrowing the follow-up list."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.forms import person_choices
from interactions.models import FollowUp


class FollowUpFilter(django_filters.FilterSet):
    """Narrowing within a tab of /follow-ups/: promises only; on the managers' team tab also
    the assignee and overdue only."""

    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"), empty_label=_("Anyone"), field_name="assignee_id"
    )
    promised = django_filters.BooleanFilter(
        label=_("Promises to customers only"), method="filter_promised", widget=forms.CheckboxInput
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = FollowUp
        fields = []

    def __init__(self, data=None, *args, people=(), team=False, **kwargs):
        super().__init__(data, *args, **kwargs)
        if team:
            self.filters["assignee"].extra["choices"] = person_choices(people)
        else:
            # One person's tabs already say whose and whether overdue.
            del self.filters["assignee"]
            del self.filters["overdue"]

    def filter_promised(self, queryset, name, value):
        return queryset.promises() if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.filter(Q(done_at__isnull=True), due_on__lt=timezone.localdate())
        return queryset
