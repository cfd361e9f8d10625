"""core.links.link: the same links as reverse(), joined from cached pieces."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse, set_script_prefix

from core.links import link

NAMES = [
    ("my-day", ()),
    ("customers:detail", (1,)),
    ("customers:detail", (987_654_321,)),
    ("interactions:complaint", (42,)),
    ("interactions:reminder-snooze", (7,)),
    ("staff-member", (3,)),
]


@pytest.mark.parametrize(("name", "ids"), NAMES)
def test_link_is_what_reverse_writes(name, ids):
    assert link(name, *ids) == reverse(name, args=ids)
    # The second call comes from the cached pieces.
    assert link(name, *ids) == reverse(name, args=ids)


def test_each_id_lands_in_its_own_place():
    assert link("customers:detail", 5) == "/customers/5/"
    assert link("customers:detail", 6) == "/customers/6/"


def test_the_script_prefix_starts_every_link():
    link("customers:detail", 1)
    set_script_prefix("/rapport/")
    try:
        assert link("customers:detail", 1) == "/rapport/customers/1/"
    finally:
        set_script_prefix("/")
    assert link("customers:detail", 1) == "/customers/1/"


def test_what_is_not_a_whole_number_goes_to_reverse():
    assert link("unsubscribe", "a b") == reverse("unsubscribe", args=["a b"])
    with pytest.raises(NoReverseMatch):
        link("customers:detail", -1)
    with pytest.raises(NoReverseMatch):
        link("customers:detail", "x")


def test_an_unknown_name_still_fails_as_reverse_does():
    with pytest.raises(NoReverseMatch):
        link("customers:nowhere", 1)


# A URLconf of its own, where the same names lead elsewhere.
urlpatterns = [
    path("home/", lambda request: None, name="my-day"),
    path("people/<int:pk>/notes/<int:note>/", lambda request: None, name="note"),
]


def test_another_urlconf_has_its_own_pieces():
    assert link("my-day") == "/"
    with override_settings(ROOT_URLCONF=__name__):
        assert link("my-day") == "/home/"
        assert link("note", 4, 11) == "/people/4/notes/11/"
    assert link("my-day") == "/"
