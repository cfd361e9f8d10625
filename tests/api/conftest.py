import pytest
from django.test import Client

from api.tokens import token_create
from tests.factories import CustomerFactory


def api_client(user, scope="write") -> Client:
    """A client that calls the API with a fresh token of ``user``'s."""
    _token, raw = token_create(user=user, name="tests", scope=scope)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def staff_api(staff_user):
    return api_client(staff_user)


@pytest.fixture
def other_api(other_staff_user):
    return api_client(other_staff_user)


@pytest.fixture
def manager_api(manager_user):
    return api_client(manager_user)


@pytest.fixture
def own_customer(staff_user):
    return CustomerFactory(owner=staff_user, name="Ada Lovelace", email="ada@example.com")
