from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapForm


class ErasureForm(BootstrapForm):
    confirm = forms.BooleanField(
        label=_("I understand: this erases the customer for good, and cannot be undone."),
        error_messages={
            "required": _("Tick the box to erase them: nothing is erased until you do.")
        },
    )
