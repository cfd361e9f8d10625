from django import forms
from django.utils.translation import gettext_lazy as _

from . import destinations
from .models import WebhookEndpoint


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("Where Rapport POSTs each event: a public https:// address."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/rapport-hook"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event to send.")},
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events"]
        help_texts = {"description": _("What receives it, for you to recognise it by.")}

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            destinations.check(url)
        except destinations.Refused as refused:
            raise forms.ValidationError(str(refused)) from None
        return url
