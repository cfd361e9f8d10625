from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapForm

from .models import Announcement


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = ["subject", "body", "kind", "wishes", "only_wishers"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "kind": forms.RadioSelect,
            "wishes": forms.TextInput(attrs={"placeholder": _("e.g. Saturday opening")}),
        }
        help_texts = {
            "kind": _(
                "A service notice (hours, prices, a new way to reach us) goes to every customer "
                "not opted out of email; marketing only to those who agreed to it."
            ),
            "wishes": _(
                "Words matched against customers' unmet wants and survey wishes, stemmed: "
                '"Saturday opening" finds "open on Saturdays". Write or between '
                "alternatives."
            ),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("only_wishers") and not (cleaned.get("wishes") or "").strip():
            self.add_error("wishes", _("Say which wishes to look for, or untick the box below."))
        return cleaned


class ScheduleForm(BootstrapForm):
    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to send now."),
    )

    def clean_send_at(self):
        send_at = self.cleaned_data["send_at"]
        if send_at and send_at < timezone.now():
            raise forms.ValidationError(_("That time has passed: choose a later one, or none."))
        if send_at and send_at.year > timezone.now().year + 1:
            raise forms.ValidationError(_("Choose a time within the next year."))
        return send_at
