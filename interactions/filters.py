from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFieldsMixin, shared_choices
from customers.forms import assignable_users, person_choices

from .forms import DateInput
from .models import Interaction
from .timeline import TimelineFilter


class TimelineFilterForm(BootstrapFieldsMixin, forms.Form):
    """The profile timeline's filters. Invalid values are reported beside their field and
    ignored, so a bad bookmark still shows the timeline."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=shared_choices([("", _("Everything")), *Interaction.Kind.choices]),
        error_messages={"invalid_choice": _("Choose a kind from the list.")},
    )
    author = forms.TypedChoiceField(
        label=_("By"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose someone from the list.")},
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a date, e.g. 2025-03-01.")},
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a date, e.g. 2025-03-31.")},
    )

    FIELDS = ("kind", "author", "start", "end")

    def __init__(self, data=None, *, people=None, **kwargs):
        kwargs.setdefault("auto_id", "timeline_%s")
        super().__init__(data, **kwargs)
        people = list(assignable_users()) if people is None else people
        self.fields["author"].choices = [("", _("Anyone")), *person_choices(people)]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("Choose an end date on or after the start date."))
        return cleaned

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.FIELDS)

    def to_filter(self) -> TimelineFilter:
        if not self.is_bound:
            return TimelineFilter()
        self.is_valid()
        cleaned = self.cleaned_data
        return TimelineFilter(
            kind=cleaned.get("kind") or "",
            author_id=cleaned.get("author"),
            start=cleaned.get("start"),
            end=cleaned.get("end"),
        )
