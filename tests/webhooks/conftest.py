import pytest

from tests.factories import UserFactory
from webhooks.subscriptions import forget_subscriptions

from .receiver import Receiver, running


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    # The receivers here run on this machine; test_destinations turns this off.
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    # What another test's endpoints subscribed to is not this one's.
    forget_subscriptions()
    yield
    forget_subscriptions()


@pytest.fixture
def receiver():
    with running(Receiver()) as server:
        yield server


@pytest.fixture
def managers(db):
    return [
        UserFactory(username="mona", email="mona@example.com", role="Manager"),
        UserFactory(username="max", email="max@example.com", role="Manager"),
    ]
