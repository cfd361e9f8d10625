"""Adding a follow-up and snoozing one."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFieldsMixin
from core.numbers import parse_id
from core.people import person_name
from customers.forms import assignable_users, person_choices
from interactions.forms import DateInput
from interactions.models import FollowUp, Interaction


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
    def row_labels(cls) -> dict:
        """The choices (value, label) and the words of the done-and-snooze form on a row
        (templates/interactions/follow_up_actions.html), translated once for a page that
        repeats the form on every row."""
        snooze = cls.base_fields["snooze"]
        return {
            "choices": [{"value": value, "label": str(label)} for value, label in snooze.choices],
            "snooze_for": str(snooze.label),
            "until": gettext("Until (for a date)"),
            "done": gettext("Done"),
            "snooze": gettext("Snooze"),
        }

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
