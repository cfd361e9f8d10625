import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFieldsMixin

from .models import Interaction
from .services import FUTURE_TOLERANCE

# What a browser's datetime-local input sends, with and without seconds.
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


def local_now_to_the_minute() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class InteractionForm(BootstrapFieldsMixin, forms.ModelForm):
    """Log or correct an interaction. On logging, an optional follow-up ("call back Tuesday")
    can be set in the same step."""

    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=DATETIME_LOCAL_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Now, or earlier if you are catching up."),
        error_messages={"invalid": _("Enter a date and time, e.g. 2025-03-14 09:30.")},
    )

    mood = forms.TypedChoiceField(
        label=_("How did they feel?"),
        choices=[("", _("Not noted")), *Interaction.Mood.choices],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the moods, or “Not noted”.")},
    )

    class Meta:
        model = Interaction
        fields = [
            "kind",
            "channel",
            "occurred_at",
            "summary",
            "details",
            "initiated_by",
            "outcome",
            "satisfaction",
            "mood",
        ]
        widgets = {
            "summary": forms.TextInput(
                attrs={"placeholder": _("e.g. Called about the delayed delivery")}
            ),
            "details": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "summary": {"required": _("Write a one-line summary of what happened.")},
        }

    def __init__(self, *args, with_follow_up: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["occurred_at"].initial = local_now_to_the_minute
        self.fields["satisfaction"].choices = [
            ("", _("Not asked")),
            *self.fields["satisfaction"].choices[1:],
        ]
        self.fields["satisfaction"].error_messages["invalid_choice"] = _(
            "Choose a satisfaction from 1 to 5, or leave it as not asked."
        )
        if with_follow_up:
            self.fields["follow_up_on"] = forms.DateField(
                label=_("Follow up on"),
                required=False,
                widget=DateInput(),
                help_text=_("Set a date to add a follow-up for you, e.g. to call back Tuesday."),
                error_messages={"invalid": _("Enter a date, e.g. 2025-03-18.")},
            )
            self.fields["follow_up_summary"] = forms.CharField(
                label=_("Follow-up"),
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": _("e.g. Call back with the quote")}),
            )
            self.fields["follow_up_promised"] = forms.BooleanField(
                label=_("We promised this to the customer"), required=False
            )

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        original = self.instance.occurred_at if self.instance.pk else None
        if original and occurred_at == original.replace(second=0, microsecond=0):
            # The input shows minutes only: an untouched time keeps its seconds.
            return original
        if occurred_at > timezone.now() + FUTURE_TOLERANCE:
            raise forms.ValidationError(
                _("That time is in the future: log what has already happened.")
            )
        return occurred_at

    def clean_follow_up_on(self):
        due_on = self.cleaned_data.get("follow_up_on")
        if due_on and due_on < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day for the follow-up."))
        return due_on

    def interaction_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def follow_up_fields(self) -> dict | None:
        """The follow-up to create with the interaction, or None when no date was set."""
        due_on = self.cleaned_data.get("follow_up_on")
        if not due_on:
            return None
        summary = self.cleaned_data.get("follow_up_summary") or _("Follow up: %(summary)s") % {
            "summary": self.cleaned_data["summary"]
        }
        return {
            "due_on": due_on,
            "summary": summary[:200],
            "promised": self.cleaned_data.get("follow_up_promised", False),
        }
