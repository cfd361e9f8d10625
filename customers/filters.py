import django_filters
from django import forms
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapForm, shared_choices

from .forms import assignable_users, person_choices
from .models import Customer, Tag

ARCHIVED = "archived"
SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "next_checkin": ("next_checkin_due", "id"),
    "-last_contact": ("-last_contact_at", "-id"),
    "last_contact": ("last_contact_at", "id"),
    "-created": ("-created_at", "id"),
    # Customers without a score yet (too little to go on) come last either way.
    "loyalty": (F("loyalty_score").asc(nulls_last=True), "id"),
    "-loyalty": (F("loyalty_score").desc(nulls_last=True), "-id"),
}


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, company, email or phone")}
        ),
    )
    owner = django_filters.ChoiceFilter(
        label=_("Owner"), method="filter_owner", empty_label=_("Anyone")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=shared_choices([*Customer.Status.choices, (ARCHIVED, _("Archived"))]),
        method="filter_status",
        empty_label=_("Any live"),
    )
    segment = django_filters.ChoiceFilter(
        label=_("Segment"),
        choices=shared_choices(
            [
                (Customer.Segment.NEW, _("New")),
                (Customer.Segment.ESTABLISHED, _("Established")),
            ]
        ),
        method="filter_segment",
        empty_label=_("Any"),
    )
    tag = django_filters.ChoiceFilter(label=_("Tag"), field_name="tags", empty_label=_("Any"))
    overdue = django_filters.BooleanFilter(
        label=_("Check-in overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="filter_sort",
        empty_label=None,
        choices=shared_choices(
            [
                ("name", _("Name A–Z")),
                ("-name", _("Name Z–A")),
                ("next_checkin", _("Next check-in")),
                ("-last_contact", _("Last contact, newest")),
                ("last_contact", _("Last contact, oldest")),
                ("-created", _("Recently added")),
                ("loyalty", _("Loyalty, lowest first")),
                ("-loyalty", _("Loyalty, highest first")),
            ]
        ),
    )

    class Meta:
        model = Customer
        fields = []
        form = BootstrapForm

    def __init__(self, data=None, *args, user=None, people=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user = user
        self.today = timezone.localdate()
        people = assignable_users() if people is None else people
        self.filters["owner"].extra["choices"] = shared_choices(
            [("mine", _("Mine")), ("none", _("Unassigned")), *person_choices(people)]
        )
        # Plain choices from one query: a model choice field would read the tags through a
        # server-side cursor, three round trips on PostgreSQL for a short list.
        self.filters["tag"].extra["choices"] = shared_choices(
            (str(pk), name) for pk, name in Tag.objects.values_list("pk", "name")
        )

    @property
    def qs(self):
        queryset = super().qs
        status = self.form.cleaned_data.get("status") if self.form.is_valid() else None
        if status != ARCHIVED:
            queryset = queryset.live()
        if not (self.form.is_valid() and self.form.cleaned_data.get("sort")):
            queryset = queryset.order_by(*SORTS["name"])
        return queryset

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_owner(self, queryset, name, value):
        if value == "mine":
            return queryset.owned_by(self.user)
        if value == "none":
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner_id=value)

    def filter_status(self, queryset, name, value):
        if value == ARCHIVED:
            return queryset.archived()
        return queryset.filter(status=value)

    def filter_segment(self, queryset, name, value):
        return queryset.in_segment(value, self.today)

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.checkin_overdue(self.today)
        return queryset

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS[value])


def is_filtered(data) -> bool:
    return any(data.get(key) for key in ("q", "owner", "status", "segment", "tag", "overdue"))
