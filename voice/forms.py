from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import FeedbackSubmission, Survey

HONEYPOT = "website"

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{5,40}$",
    _("Enter a phone number using digits, spaces and + ( ) - only, or leave it empty."),
)


class FeedbackForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Tell us your name, so we know whom to answer.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("We reply here."),
        error_messages={
            "required": _("Give us your email address, so we can reply."),
            "invalid": _("Enter a whole email address, like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    topic = forms.ChoiceField(
        label=_("What is it about?"),
        choices=FeedbackSubmission.Topic.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what it is about: a complaint, a question or praise."),
            "invalid_choice": _("Choose what it is about: a complaint, a question or praise."),
        },
    )
    message = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your message here.")},
    )
    order_ref = forms.CharField(
        label=_("Order or invoice reference (optional)"), max_length=100, required=False
    )
    wants_news = forms.BooleanField(
        label=_("Send me news and offers by email"),
        required=False,
        help_text=_("We email you a link to confirm it first. Stop them whenever you like."),
    )
    # The honeypot: hidden from people (and screen readers), filled in by form-filling bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Whatever a bot puts in the honeypot, NUL characters included, only marks the message
        # as spam: a refusal would point at a field nobody can see.
        self.fields[HONEYPOT].validators = []
        # Read at request time, so a changed setting applies without a restart of this module.
        self.max_message = settings.FEEDBACK_MAX_MESSAGE
        self.fields["message"].widget.attrs["maxlength"] = self.max_message

    def clean_message(self):
        message = self.cleaned_data["message"]
        if len(message) > self.max_message:
            raise forms.ValidationError(
                _(
                    "Please keep it under %(limit)d characters (this is %(length)d): "
                    "send the rest in a second message, or we will ask for it."
                )
                % {"limit": self.max_message, "length": len(message)}
            )
        return message

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get(HONEYPOT))

    def submission_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("name", "email", "phone", "topic", "message", "order_ref", "wants_news")
        }


class SurveyForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Overall, how satisfied are you with us?"),
        help_text=_("1 is very dissatisfied, 5 is very satisfied."),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a number from 1 to 5.")},
    )
    recommend = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend or colleague?"),
        help_text=_("0 is not at all likely, 10 is extremely likely."),
        choices=[(n, str(n)) for n in range(0, 11)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a number from 0 to 10.")},
    )
    unmet_want = forms.CharField(
        label=_("Is there anything you wish we offered?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    considered_switching = forms.ChoiceField(
        label=_("Have you considered switching to another provider?"),
        choices=Survey.Switching.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer; “I'd rather not say” is fine.")},
    )
    comment = forms.CharField(
        label=_("Anything else you would like to tell us?"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invalid = {
            "satisfaction": _("Choose a number from 1 to 5."),
            "recommend": _("Choose a number from 0 to 10."),
            "considered_switching": _("Choose yes, no or “I'd rather not say”."),
        }
        for name, message in invalid.items():
            self.fields[name].error_messages["invalid_choice"] = message


# The customer's case page (case_page.py) --------------------------------------------------------

CASE_MESSAGE_MAX = 5000
CASE_COMMENT_MAX = 2000


def _case_comment():
    return forms.CharField(
        label=_("Anything to add? (optional)"),
        max_length=CASE_COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CaseMessageForm(forms.Form):
    message = forms.CharField(
        label=_("Write to us about this case"),
        max_length=CASE_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your message first.")},
    )


class CaseRemedyForm(forms.Form):
    ACCEPT, DECLINE = "accept", "decline"
    answer = forms.ChoiceField(
        choices=[(ACCEPT, _("Yes, I accept")), (DECLINE, _("No, thank you"))],
        error_messages={
            "required": _("Choose whether you accept what we offer."),
            "invalid_choice": _("Choose whether you accept what we offer."),
        },
    )
    comment = _case_comment()


class CaseFixedForm(forms.Form):
    FIXED, NOT_FIXED = "fixed", "not_fixed"
    answer = forms.ChoiceField(
        choices=[(FIXED, _("Yes, it is fixed")), (NOT_FIXED, _("No, it is not fixed"))],
        error_messages={
            "required": _("Choose whether it is fixed."),
            "invalid_choice": _("Choose whether it is fixed."),
        },
    )
    comment = _case_comment()
