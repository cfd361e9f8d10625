"""Bootstrap 5 markup for the busiest forms, without crispy-forms' per-field templates.

crispy renders every field through a large template; on the customer list, the profile and
My day that was a third of the page's time (bench/FINDINGS.md). Forms on those pages use
``BootstrapFieldsMixin`` and ``{{ field.as_field_group }}`` or ``{{ form }}``, which give the
same markup through ``FormRenderer``.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist, engines
from django.utils.functional import cached_property

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


class FormRenderer(Jinja2):
    """Django's form and widget templates through the project's Jinja2 engine: the same markup
    for a tenth of the template language's cost, and the profile draws twenty widgets. Fields
    (``{{ field.as_field_group }}``) and forms (``{{ form }}``) come out in Bootstrap's markup,
    from jinja_templates/forms/. The admin's widgets exist only for the template language, so
    whatever Jinja2 cannot find is rendered by that."""

    form_template_name = "forms/fields.html"
    field_template_name = "forms/field.html"

    @cached_property
    def engine(self):
        return engines["jinja2"]

    @cached_property
    def fallback(self):
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)


class QueriedChoiceIterator(ModelChoiceIterator):
    """A model choice field's options, read with one plain query. Django's own iterator reads
    them through ``.iterator()``, which on PostgreSQL declares a server-side cursor: three round
    trips (DECLARE, FETCH, CLOSE) for a select of a few dozen people."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal beside the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
