from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFieldsMixin

from .models import ApiToken


class TokenForm(BootstrapFieldsMixin, forms.Form):
    name = forms.CharField(
        label=_("What is it for?"),
        max_length=100,
        help_text=_("e.g. Booking system, or Monthly report. Only you and managers see it."),
        error_messages={"required": _("Name the token, so you know it when you revoke it.")},
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose read only, or read and write.")},
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Name the token, so you know it when you revoke it."))
        return name
