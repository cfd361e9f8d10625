"""The ``world`` fixture: one set of real objects for the access-matrix and CSRF tests."""

import pytest
from django.db import transaction
from django.test import override_settings

from .world import build_world


@pytest.fixture(scope="module", name="world")
def world_fixture(django_db_setup, django_db_blocker):
    """The objects, made once per test module; each test's changes roll back to them."""
    with (
        django_db_blocker.unblock(),
        # The fast hasher the per-test settings use, so that later password checks agree.
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        world = build_world()
        world.log_in_everyone()
        yield world
        transaction.set_rollback(True)
