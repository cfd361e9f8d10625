from django import forms
from django.utils.translation import gettext_lazy as _

from core.numbers import parse_id
from customers.models import Customer


class AttachForm(forms.Form):
    customer = forms.CharField(
        label=_("Customer's email or profile number"),
        max_length=254,
        help_text=_("The number is the one in the profile's address: /customers/<number>/."),
    )

    def clean_customer(self):
        value = self.cleaned_data["customer"].strip()
        pk = parse_id(value.lstrip("#"))
        if pk is not None:
            customer = Customer.objects.filter(pk=pk).first()
        else:
            matches = list(Customer.objects.with_email(value)[:2])
            customer = matches[0] if len(matches) == 1 else None
        if customer is None:
            raise forms.ValidationError(
                _("No customer has that email or number; check it, or create the customer.")
            )
        return customer
