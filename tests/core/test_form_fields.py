"""templates/forms/: a field in Bootstrap markup, its select and inputs written as Django's own
widgets write them (core.forms.BootstrapBoundField)."""

import re

from django import forms
from django.template.loader import render_to_string

from core.forms import BootstrapForm


class Sample(BootstrapForm):
    kind = forms.ChoiceField(choices=[("call", "Call"), ("note", "<Note>")])
    summary = forms.CharField(label="Summary <short>")


def field_html(form, name) -> str:
    return render_to_string("forms/field.html", {"field": form[name]})


def test_a_field_writes_bootstrap_markup_and_escapes_labels_and_values():
    form = Sample(data={"kind": "note", "summary": ""})

    select = field_html(form, "kind")
    summary = field_html(form, "summary")

    assert '<select name="kind" class="form-select" id="id_kind">' in select
    assert '<option value="note" selected>&lt;Note&gt;</option>' in select
    assert 'class="form-label requiredField">Summary &lt;short&gt;' in summary
    assert 'class="form-control is-invalid"' in summary
    assert 'aria-invalid="true"' in summary
    assert '<p id="error_1_id_summary" class="invalid-feedback d-block">' in summary


class Widgets(BootstrapForm):
    plain = forms.ChoiceField(choices=[("", "---"), ("a", "<A & B>"), ("b", 'Say "b"')])
    grouped = forms.ChoiceField(
        choices=[("Calls", [("call", "Call"), ("video", "Video")]), ("Other", [("note", "Note")])]
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")])
    radios = forms.ChoiceField(choices=[("1", "One"), ("2", "Two")], widget=forms.RadioSelect)
    text = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": 'A "quote" <b>'})
    )
    number = forms.IntegerField(help_text="How many")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    tick = forms.BooleanField(required=False)
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)


def without_spaces_between_tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def test_selects_and_inputs_write_what_djangos_own_widgets_write():
    forms_ = [
        Widgets(initial={"plain": "a", "text": "<i>", "day": "2026-03-04", "tick": True}),
        Widgets(data={"plain": "b", "grouped": "video", "number": "x", "tick": "on"}),
    ]
    forms_[0].fields["plain"].widget.attrs["disabled"] = True

    for form in forms_:
        for name in ("plain", "grouped"):
            ours = render_to_string("forms/select.html", {"field": form[name]})
            assert without_spaces_between_tags(ours) == without_spaces_between_tags(str(form[name]))
        for name in ("text", "number", "day", "tick", "hidden"):
            assert f"<input{form[name].input_attrs}>" == str(form[name])
    assert '<option value="a" selected>&lt;A &amp; B&gt;</option>' in str(forms_[0]["plain"])
    # Groups, several choices and radios keep Django's own templates.
    assert forms_[1]["grouped"].options_html is None
    assert '<optgroup label="Calls">' in field_html(forms_[1], "grouped")
    assert "multiple" in field_html(forms_[1], "many")
    assert 'type="radio"' in field_html(forms_[1], "radios")
