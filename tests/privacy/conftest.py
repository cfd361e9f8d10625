import pytest

from .every_table import fill_every_table


@pytest.fixture
def filled(staff_user, manager_user):
    """A customer with data in every table that can hold a customer's."""
    return fill_every_table(staff=staff_user, manager=manager_user)
