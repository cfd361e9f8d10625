"""What staff tell a reminder: what a check-in was about, snooze it until when, dismiss it why."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ReminderDoneForm(forms.Form):
    summary = forms.CharField(
        max_length=200, required=False, label=gettext_lazy("What did you talk about? (optional)")
    )


class ReminderSnoozeForm(forms.Form):
    PERIODS = {"day": 1, "week": 7}
    period = forms.ChoiceField(
        choices=[
            ("day", gettext_lazy("A day")),
            ("week", gettext_lazy("A week")),
            ("date", gettext_lazy("Until a date")),
        ],
    )
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period")
        if period in self.PERIODS:
            cleaned["until"] = timezone.localdate() + datetime.timedelta(days=self.PERIODS[period])
        elif period == "date" and not cleaned.get("until"):
            self.add_error("until", _("Pick the day it should come back."))
        return cleaned


class ReminderDismissForm(forms.Form):
    reason = forms.CharField(max_length=200, label=gettext_lazy("Why dismiss it?"))
