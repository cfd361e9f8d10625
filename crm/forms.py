"""Bootstrap 5 markup for the busiest forms, without crispy-forms' per-field templates.

crispy renders every field through a large template; on the customer list, the profile and
My day that was a third of the page's time (bench/README: profile). Forms on those pages use
``BootstrapFieldsMixin`` and ``{% include "forms/field.html" %}``, which give the same markup.
"""

from django import forms

WIDGET_CLASSES = {
    "checkbox": "form-check-input",
    "select": "form-select",
    "selectmultiple": "form-select",
}


class BootstrapBoundField(forms.BoundField):
    """A field whose widget carries Bootstrap's class, and ``is-invalid`` when it has errors."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        css = WIDGET_CLASSES.get(self.widget_type, "form-control")
        classes = [widget.attrs.get("class", ""), attrs.get("class", ""), css]
        if self.errors:
            classes.append("is-invalid")
        attrs["class"] = " ".join(name for name in classes if name)
        return attrs


class BootstrapFieldsMixin:
    bound_field_class = BootstrapBoundField


class BootstrapForm(BootstrapFieldsMixin, forms.Form):
    """A plain form with Bootstrap fields; django-filter filter sets use it as Meta.form."""
