"""Shared fixtures, and the rule that tests needing real services skip, or fail under CI.

Every test has PostgreSQL (``make test`` starts one when DATABASE_URL names none). Markers:
``redis`` needs CELERY_BROKER_URL=redis://..., ``browser`` needs Chromium, ``imap`` needs Dovecot
(the tests start a server of their own), ``gettext`` needs GNU gettext's xgettext (to extract
the messages afresh). Without the service
the test is skipped with the reason; with REQUIRE_SERVICES=1 (CI) a missing service fails the
test instead, so nothing hides.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from .factories import UserFactory
from .real_services import DOVECOT

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_configure(config):
    # The pages and emails speak Spanish and German from locale/: compile what changed.
    from config.messages import compile_messages

    compile_messages()


def _missing_service(marker_name):
    if marker_name == "redis" and not settings.CELERY_BROKER_URL.startswith("redis"):
        return "needs Redis: set CELERY_BROKER_URL=redis://..."
    if marker_name == "browser" and not os.path.exists(CHROMIUM):
        return "needs Chromium (apt-get install chromium)"
    if marker_name == "imap" and not os.path.exists(DOVECOT):
        return "needs Dovecot (apt-get install dovecot-imapd)"
    if marker_name == "gettext" and not shutil.which("xgettext"):
        return "needs GNU gettext (apt-get install gettext)"
    return None


def pytest_runtest_setup(item):
    for marker in ("redis", "browser", "imap", "gettext"):
        if item.get_closest_marker(marker):
            reason = _missing_service(marker)
            if reason and REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
            if reason:
                pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_cache():
    """What one test kept (the live customer count, the at-risk scores) is not the next's."""
    cache.clear()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    # Hashing passwords properly takes a third of a second each: too slow for factories.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    # A request the test client made leaves its language active in this thread, as Django
    # does (the next request's middleware sets its own): each test starts in the default.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def staff_user(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Staff")


@pytest.fixture
def other_staff_user(db):
    return UserFactory(username="olive", first_name="Olive", last_name="Other")


@pytest.fixture
def manager_user(db):
    return UserFactory(username="mona", first_name="Mona", last_name="Manager", role="Manager")


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff_user):
    return _client_for(staff_user)


@pytest.fixture
def other_staff_client(other_staff_user):
    return _client_for(other_staff_user)


@pytest.fixture
def manager_client(manager_user):
    return _client_for(manager_user)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def today(now):
    return timezone.localdate(now)
