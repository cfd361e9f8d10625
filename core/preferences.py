"""The account page of a member of staff's own preferences: the language Rapport speaks."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .forms import BootstrapFieldsMixin
from .languages import remember_for_session
from .models import Preferences


class PreferencesForm(BootstrapFieldsMixin, forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["language"]
        labels = {"language": gettext_lazy("Language")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("As my browser asks")),
            *((code, name) for code, name in settings.LANGUAGES),
        ]


@require_http_methods(["GET", "POST"])
def preferences(request):
    # Read, not made: a GET writes nothing; the first save makes the row.
    chosen = Preferences.objects.filter(user=request.user).first() or Preferences(user=request.user)
    form = PreferencesForm(request.POST or None, instance=chosen)
    if request.method == "POST" and form.is_valid():
        form.save()
        remember_for_session(request, chosen.language)
        if chosen.language:
            translation.activate(chosen.language)
        messages.success(request, _("Saved: Rapport speaks to you in the language you chose."))
        return redirect("preferences")
    return render(request, "registration/preferences.html", {"form": form})
