import pytest
from django.utils import timezone


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def today(now):
    return timezone.localdate(now)
