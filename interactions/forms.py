import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFieldsMixin
from core.numbers import parse_id
from core.people import person_name
from customers.forms import assignable_users, person_choices

from .models import FollowUp, Interaction
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


class FollowUpForm(BootstrapFieldsMixin, forms.Form):
    """A follow-up on a customer, optionally tied to one of their interactions.

    The assignee is a plain choice over a list the view passes in, so the profile can share one
    query for the people in its forms.
    """

    summary = forms.CharField(
        label=_("What to do"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Call back with the new quote")}),
        error_messages={"required": _("Say what needs doing.")},
    )
    due_on = forms.DateField(
        label=_("Due"),
        widget=DateInput(),
        error_messages={
            "required": _("Choose the day it is due."),
            "invalid": _("Enter a date, e.g. 2025-03-18."),
        },
    )
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int)
    promised = forms.BooleanField(
        label=_("Promised to the customer"),
        required=False,
        help_text=FollowUp._meta.get_field("promised").help_text,
    )
    interaction = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customer, user, people=None, **kwargs):
        kwargs.setdefault("auto_id", "followup_%s")
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.people = list(assignable_users()) if people is None else list(people)
        choices = person_choices(self.people)
        if user.pk not in {u.pk for u in self.people}:
            choices.insert(0, (str(user.pk), person_name(user)))
            self.people.insert(0, user)
        self.fields["assignee"].choices = choices
        self.fields["assignee"].initial = user.pk
        self.fields["assignee"].error_messages["invalid_choice"] = _(
            "Choose someone from the list."
        )
        self.fields["due_on"].initial = timezone.localdate() + datetime.timedelta(days=1)

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return due_on

    def clean_assignee(self):
        pk = self.cleaned_data["assignee"]
        return next(u for u in self.people if u.pk == pk)

    def clean(self):
        cleaned = super().clean()
        # The interaction travels in a hidden field, so its error is shown on the form itself.
        raw = cleaned.get("interaction")
        cleaned["interaction"] = None
        if raw:
            pk = parse_id(raw)
            interaction = None
            if pk is not None:
                interaction = Interaction.objects.filter(customer=self.customer, pk=pk).first()
            if interaction is None:
                raise forms.ValidationError(_("That interaction is not one of this customer's."))
            cleaned["interaction"] = interaction
        return cleaned


class SnoozeForm(forms.Form):
    DAY, WEEK, DATE = "day", "week", "date"

    snooze = forms.ChoiceField(
        label=_("Snooze for"),
        choices=[(DAY, _("A day")), (WEEK, _("A week")), (DATE, _("Until a date"))],
        initial=DAY,
        error_messages={"invalid_choice": _("Choose a day, a week, or a date.")},
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a date, e.g. 2025-03-18.")},
    )

    @classmethod
    def row_choices(cls) -> list[tuple[str, str]]:
        """The choices with their labels translated once, for a page that repeats them on
        every row."""
        return [(value, str(label)) for value, label in cls.base_fields["snooze"].choices]

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        choice = cleaned.get("snooze")
        if choice == self.DAY:
            cleaned["until"] = today + datetime.timedelta(days=1)
        elif choice == self.WEEK:
            cleaned["until"] = today + datetime.timedelta(days=7)
        elif choice == self.DATE and "until" not in self._errors:
            until = cleaned.get("until")
            if until is None:
                self.add_error("until", _("Choose the day to snooze it until."))
            elif until <= today:
                self.add_error("until", _("Choose a day after today."))
        return cleaned
