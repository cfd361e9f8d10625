"""Bootstrap 5 markup for the busiest forms, without crispy-forms' per-field templates.

crispy renders every field through a large template, and Django's select renders every option
through two more; on the customer list, the profile and the complaint queue that was a third of
the page's time (bench/FINDINGS.md). Forms on those pages use ``BootstrapFieldsMixin`` and
``{% include "forms/field.html" with field=... %}``, which writes crispy's markup and a select's
options in one loop (``templates/forms/select.html``).
"""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

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

    def _widget_attrs(self) -> dict:
        """The attributes ``as_widget()`` hands the widget."""
        attrs = self.build_widget_attrs({})
        if self.auto_id and "id" not in self.field.widget.attrs:
            attrs.setdefault("id", self.auto_id)
        return attrs

    @property
    def select_attrs(self) -> SafeString:
        """The attributes Django's select writes (id, classes, required, aria-*), for
        templates/forms/select.html."""
        widget = self.field.widget
        return _html_attrs(widget.build_attrs(widget.attrs, self._widget_attrs()))

    @property
    def input_attrs(self) -> SafeString | None:
        """The attributes of Django's ``<input>`` for this field (type, name, value, checked
        and the rest), or None when its widget is not an input. Django writes an input through
        two templates, most of a field's time on the busiest forms."""
        widget = self.field.widget
        if not isinstance(widget, forms.widgets.Input):
            return None
        context = widget.get_context(self.html_name, self.value(), self._widget_attrs())["widget"]
        attrs = {"type": context["type"], "name": context["name"], "value": context["value"]}
        return _html_attrs({**attrs, **context["attrs"]})

    @property
    def options_html(self) -> SafeString | None:
        """A select's options, written here in one pass, or None when its choices come in
        groups. A template loop over them cost about as much again as the rest of the field."""
        chosen = set(self.field.widget.format_value(self.value()))
        options = []
        for value, label in self.field.choices:
            if isinstance(label, list | tuple):
                return None
            value = str(value)
            selected = " selected" if value in chosen else ""
            options.append(
                f'<option value="{conditional_escape(value)}"{selected}>'
                f"{conditional_escape(label)}</option>"
            )
        return mark_safe("".join(options))


def _html_attrs(attrs: dict) -> SafeString:
    """Attributes as django/forms/widgets/attrs.html writes them; flatatt takes three times as
    long."""
    return mark_safe(
        "".join(
            f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
            for name, value in attrs.items()
            if value is not False and value is not None
        )
    )


class BootstrapFieldsMixin:
    bound_field_class = BootstrapBoundField


class BootstrapForm(BootstrapFieldsMixin, forms.Form):
    """A plain form with Bootstrap fields; django-filter filter sets use it as Meta.form."""


def shared_choices(choices) -> Callable[[], list]:
    """A choice field's choices as a callable, which Django accepts for ``choices``. A form
    copies its fields, choices and all, every time it is made; a callable is copied as it is,
    where a list is copied tuple by tuple: on the customer list that was half a millisecond
    (bench/FINDINGS.md)."""
    choices = list(choices)
    return lambda: choices


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
