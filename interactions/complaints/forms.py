"""Forms for complaint cases: opening one, moving it along, and the remedy and assignee."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms import OwnerChoiceField, assignable_users
from interactions.models import Complaint, ComplaintSubCause, Interaction

from .customer_words import step_message

# What the button for each move says on the case page.
TRANSITION_LABELS = {
    Complaint.Status.ACKNOWLEDGED: _("Acknowledge"),
    Complaint.Status.IN_PROGRESS: _("Start work"),
    Complaint.Status.RESOLVED: _("Mark resolved"),
    Complaint.Status.CLOSED: _("Close"),
    Complaint.Status.OPEN: _("Reopen"),
}

ASSIGNEE_INVALID = _("That person is not on the team: choose someone from the list.")


class ComplaintOpenForm(forms.Form):
    summary = forms.CharField(
        label=_("What went wrong"),
        max_length=200,
        help_text=_("One line, in the customer's words if you can."),
        error_messages={"required": _("Say in a line what went wrong.")},
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Complaint.Severity.choices,
        initial=Complaint.Severity.NORMAL,
        error_messages={"invalid_choice": _("Choose a severity from the list.")},
    )
    assignee = OwnerChoiceField(
        label=_("Assignee"),
        queryset=None,
        required=False,
        empty_label=_("The customer's owner"),
        error_messages={"invalid_choice": ASSIGNEE_INVALID},
    )
    channel = forms.ChoiceField(
        label=_("How they told us"),
        choices=Interaction.Channel.choices,
        initial=Interaction.Channel.PHONE,
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    interaction = forms.ModelChoiceField(
        queryset=Interaction.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _(
                "That interaction is not one of this customer's complaints without a case: "
                "open the case from the customer's page."
            )
        },
    )

    def __init__(self, *args, customer, interaction: Interaction | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()
        self.fields["interaction"].queryset = openable_interactions(customer)
        if interaction is not None:
            # The interaction already says how they told us and the details.
            del self.fields["channel"], self.fields["details"]
            self.fields["interaction"].initial = interaction.pk
            self.fields["summary"].initial = interaction.summary


def openable_interactions(customer):
    """The customer's complaint interactions that no case was opened from yet."""
    return Interaction.objects.filter(
        customer=customer, kind=Interaction.Kind.COMPLAINT, complaint__isnull=True
    )


class ComplaintTransitionForm(forms.Form):
    to_status = forms.ChoiceField(
        choices=Complaint.Status.choices,
        error_messages={
            "required": _("Choose what to do with the case."),
            "invalid_choice": _("That is not a step this case can take: use the buttons."),
        },
    )
    resolution_summary = forms.CharField(
        label=_("How it was resolved"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The customer reads this in the resolution notice."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: why, for the case's timeline."),
    )
    cause = forms.ChoiceField(
        label=_("Why did it happen?"),
        choices=[("", _("Choose the cause")), *Complaint.Cause.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose a cause from the list.")},
    )
    sub_cause = forms.ModelChoiceField(
        label=_("More precisely (optional)"),
        queryset=ComplaintSubCause.objects.filter(active=True),
        required=False,
        error_messages={"invalid_choice": _("Choose one from the list, or none.")},
    )

    def clean(self):
        data = super().clean()
        sub_cause = data.get("sub_cause")
        if sub_cause and data.get("cause") and sub_cause.cause != data["cause"]:
            self.add_error("sub_cause", _("That one belongs under another cause."))
        return data


class ComplaintUpdateForm(forms.Form):
    assignee = OwnerChoiceField(
        label=_("Assignee"),
        queryset=None,
        error_messages={
            "required": _("Choose who handles this case."),
            "invalid_choice": ASSIGNEE_INVALID,
        },
    )
    remedy = forms.ChoiceField(
        label=_("Remedy offered"),
        choices=Complaint.Remedy.choices,
        required=False,
        error_messages={"invalid_choice": _("Choose a remedy from the list.")},
    )
    remedy_accepted = forms.NullBooleanField(
        label=_("Did the customer accept it?"),
        required=False,
        widget=forms.Select(
            choices=[("", _("No answer yet")), ("true", _("Accepted")), ("false", _("Declined"))]
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()

    @classmethod
    def for_complaint(cls, complaint: Complaint) -> "ComplaintUpdateForm":
        accepted = {True: "true", False: "false", None: ""}[complaint.remedy_accepted]
        return cls(
            initial={
                "assignee": complaint.assignee_id,
                "remedy": complaint.remedy,
                "remedy_accepted": accepted,
            }
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("remedy") and cleaned.get("remedy_accepted") is not None:
            self.add_error(
                "remedy_accepted", _("Choose the remedy first, then whether they accepted it.")
            )
        return cleaned


class ComplaintTellForm(forms.Form):
    """The message staff email the customer about their case, pre-written for where it
    stands (customer_words.step_message) and theirs to edit."""

    message = forms.CharField(
        label=_("Message to the customer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent with the link to their case page, where it also shows."),
        error_messages={"required": _("Write the message to send.")},
    )

    @classmethod
    def for_complaint(cls, complaint: Complaint) -> "ComplaintTellForm":
        return cls(initial={"message": step_message(complaint)})
