from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFieldsMixin, QueriedChoiceIterator
from core.people import person_name

from .fields import CUSTOMER_FIELDS
from .models import Customer, Tag
from .services import normalise_email


def assignable_users():
    """People who can own customers: active members of Staff or Manager."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=["Staff", "Manager"])
        .distinct()
        .order_by("username")
    )


def person_choices(people) -> list[tuple[str, str]]:
    """Choices for a select of people, from a list the view already holds."""
    return [(str(u.pk), person_name(u)) for u in people]


class OwnerChoiceField(forms.ModelChoiceField):
    iterator = QueriedChoiceIterator

    def label_from_instance(self, user):
        return person_name(user)


def parse_tags(text: str) -> list[str]:
    """Split "vip, Weekly , vip" into ["vip", "Weekly"]: trimmed, no blanks, no repeats."""
    seen, names = set(), []
    for raw in (text or "").replace(";", ",").split(","):
        name = " ".join(raw.split())[:50]
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def tags_for_names(names: list[str]) -> list[Tag]:
    existing = {tag.name.lower(): tag for tag in Tag.objects.filter(name__in=names)}
    for tag in Tag.objects.all().only("id", "name"):
        existing.setdefault(tag.name.lower(), tag)
    return [existing.get(name.lower()) or Tag.objects.create(name=name) for name in names]


class CustomerForm(forms.ModelForm):
    tags_text = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separate tags with commas, e.g. weekly, vip."),
    )
    marketing_consent = forms.BooleanField(
        label=_("Agrees to marketing email"),
        required=False,
        # The page keeps the box as it was drawn, so that a change is the box's, not the
        # customer's meanwhile: one who confirmed by email while staff edited stays agreed.
        show_hidden_initial=True,
        help_text=_(
            "Tick only when they said yes to news and offers by email; untick when they take "
            "it back. Service email (their cases, surveys) needs no consent."
        ),
    )

    correction_requested = forms.BooleanField(
        label=_("The customer asked for this correction"),
        required=False,
        help_text=_("The audit trail says so, beside who made the change and when."),
    )

    class Meta:
        model = Customer
        # Tags are typed as text into tags_text, not picked from a list of every tag.
        fields = [name for name in CUSTOMER_FIELDS if name != "tags"]
        widgets = {
            # A date input takes only ISO dates: a localised value would show as empty.
            "customer_since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expectations": forms.Textarea(attrs={"rows": 3}),
            "unmet_wants": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"owner": OwnerChoiceField}

    def __init__(self, *args, can_choose_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if can_choose_owner:
            self.fields["owner"].queryset = assignable_users()
        else:
            del self.fields["owner"]
        self.fields["checkin_cadence_days"].widget.attrs.update(min=1, max=3650)
        # Left out (a form from before languages, or a tool), it stays as it is.
        self.fields["language"].required = False
        if self.instance.pk:
            self.fields["tags_text"].initial = ", ".join(t.name for t in self.instance.tags.all())
            self.fields["marketing_consent"].initial = (
                self.instance.marketing_consent_at is not None
            )
        else:
            # A new customer has nothing to correct.
            del self.fields["correction_requested"]

    def clean_email(self):
        email = normalise_email(self.cleaned_data.get("email"))
        if email:
            clash = (
                Customer.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).first()
            )
            if clash:
                raise forms.ValidationError(
                    format_html(
                        'This email already belongs to <a href="{}">{}</a>. '
                        "Open that customer instead, or use another address.",
                        reverse("customers:detail", args=[clash.pk]),
                        clash.name,
                    )
                )
        return email

    def clean_customer_since(self):
        since = self.cleaned_data.get("customer_since")
        latest = Customer.latest_customer_since()
        if since and since > latest:
            raise forms.ValidationError(
                _("Enter a date no later than %(date)s; check the year.")
                % {"date": latest.isoformat()}
            )
        return since

    def clean_language(self):
        return (
            self.cleaned_data.get("language")
            or (self.instance.language if self.instance.pk else "")
            or settings.LANGUAGE_CODE
        )

    def clean_checkin_cadence_days(self):
        days = self.cleaned_data.get("checkin_cadence_days")
        if days is not None and not 1 <= days <= 3650:
            raise forms.ValidationError(_("Enter a number of days between 1 and 3650."))
        return days

    def clean_tags_text(self):
        return parse_tags(self.cleaned_data.get("tags_text", ""))

    def _post_clean(self):
        # The email was checked above with a friendlier message than the constraint's.
        super()._post_clean()
        if "email" in self._errors and len(self._errors["email"]) > 1:
            del self._errors["email"][1:]

    def customer_fields(self) -> dict:
        return {
            name: value for name, value in self.cleaned_data.items() if name in self._meta.fields
        }

    def marketing_consent_change(self) -> bool | None:
        """True or False when the checkbox was ticked or unticked; None when left as it was,
        so that saving other changes never records nor withdraws anything."""
        if "marketing_consent" not in self.changed_data:
            return None
        return self.cleaned_data["marketing_consent"]


class ReassignForm(BootstrapFieldsMixin, forms.Form):
    """Who the ticked customers go to. The choice is explicit: one click on Reassign must not
    unassign everyone ticked, so "nobody" is an option of its own, not the default."""

    NOBODY = "nobody"

    owner = forms.ChoiceField(
        label=_("New owner"),
        error_messages={"required": _("Choose who the customers go to.")},
        widget=forms.Select(attrs={"class": "form-select-sm"}),
    )
    customers = forms.ModelMultipleChoiceField(
        queryset=Customer.objects.all(),
        error_messages={"required": _("Tick at least one customer to reassign.")},
    )

    def __init__(self, *args, people=None, **kwargs):
        # Ids of their own: the customer list's filter form has an "owner" field too.
        kwargs.setdefault("auto_id", "reassign-%s")
        super().__init__(*args, **kwargs)
        # Only shown, the page's list of people serves, so the select costs no query of its
        # own; a submitted form validates against everyone who may own a customer.
        people = assignable_users() if people is None or self.is_bound else people
        self.people = {str(user.pk): user for user in people}
        self.fields["owner"].choices = [
            ("", _("Choose…")),
            (self.NOBODY, _("Nobody (unassigned)")),
            *((pk, person_name(user)) for pk, user in self.people.items()),
        ]

    def clean_owner(self):
        """The chosen member of staff, or None for nobody."""
        choice = self.cleaned_data["owner"]
        return None if choice == self.NOBODY else self.people[choice]
