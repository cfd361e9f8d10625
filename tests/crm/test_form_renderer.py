from django import forms
from django.forms.renderers import get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template

from crm.forms import BootstrapForm


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
