from django.template import Context, Template
from django.utils import translation

from interactions.models import Interaction


def _render(item, field):
    return Template("{% load choices %}{{ item|choice_label:field }}").render(
        Context({"item": item, "field": field})
    )


def test_a_choice_label_matches_djangos_display():
    item = Interaction(kind="check_in", channel="in_person", outcome="fell_short")

    for field in ("kind", "channel", "outcome"):
        assert _render(item, field) == getattr(item, f"get_{field}_display")()


def test_an_unknown_value_shows_as_it_is_and_none_as_nothing():
    assert _render(Interaction(kind="carrier-pigeon"), "kind") == "carrier-pigeon"
    assert _render(Interaction(satisfaction=None), "satisfaction") == ""


def test_labels_follow_the_active_language():
    item = Interaction(kind="check_in")
    english = _render(item, "kind")
    with translation.override("de"):
        german = _render(item, "kind")
        assert german == item.get_kind_display()
    assert _render(item, "kind") == english
