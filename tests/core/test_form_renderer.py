from pathlib import Path

from django import forms
from django.forms.renderers import get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template

from core.forms import BootstrapForm


class Sample(BootstrapForm):
    kind = forms.ChoiceField(choices=[("call", "Call"), ("note", "<Note>")])
    summary = forms.CharField()


def test_widgets_render_through_jinja2_and_the_admins_through_the_template_language():
    renderer = get_default_renderer()

    assert isinstance(renderer.get_template("django/forms/widgets/select.html"), Jinja2Template)
    assert isinstance(
        renderer.get_template("admin/widgets/related_widget_wrapper.html"), DjangoTemplate
    )


def test_a_jinja2_widget_writes_bootstrap_markup_and_escapes_labels():
    form = Sample(data={"kind": "note", "summary": ""})

    select = str(form["kind"])
    summary = str(form["summary"])

    assert select.startswith('<select name="kind" class="form-select" id="id_kind">')
    assert '<option value="note" selected>&lt;Note&gt;</option>' in select
    assert 'class="form-control is-invalid"' in summary
    assert 'aria-invalid="true"' in summary


class Selects(forms.Form):
    plain = forms.ChoiceField(choices=[("", "---"), ("a", "<A & B>"), ("b", 'Say "b"')])
    grouped = forms.ChoiceField(
        choices=[("Calls", [("call", "Call"), ("video", "Video")]), ("Other", [("note", "Note")])]
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")])
    radios = forms.ChoiceField(choices=[("1", "One"), ("2", "Two")], widget=forms.RadioSelect)


def test_selects_with_their_options_in_place_write_what_djangos_own_template_writes():
    renderer = get_default_renderer()
    ours = renderer.get_template("django/forms/widgets/select.html")
    source = Path(forms.__file__).parent / "jinja2/django/forms/widgets/select.html"
    djangos = renderer.engine.env.from_string(source.read_text())
    form = Selects(data={"plain": "a", "grouped": "video", "many": ["x", "z"]})
    form.fields["plain"].widget.attrs["disabled"] = True

    for name in ("plain", "grouped", "many"):
        widget = form[name].field.widget
        context = widget.get_context(name, form[name].value(), {"id": f"id_{name}"})
        assert ours.render(context) == djangos.render(context)
    assert '<option value="a" selected>&lt;A &amp; B&gt;</option>' in str(form["plain"])
    assert '<optgroup label="Calls">' in str(form["grouped"])
    # Other choice widgets keep their own templates.
    assert 'type="radio"' in str(form["radios"])
