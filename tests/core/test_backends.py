"""The user every request loads carries whether they manage, read afresh on each request."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from core.backends import RoleAwareModelBackend
from core.roles import MANAGER_GROUP, is_manager
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_a_managers_role_comes_with_the_user_and_costs_no_further_query(
    manager_user, staff_user, django_assert_num_queries
):
    backend = RoleAwareModelBackend()
    with django_assert_num_queries(1):
        manager = backend.get_user(manager_user.pk)
    with django_assert_num_queries(1):
        staff = backend.get_user(staff_user.pk)
    with django_assert_num_queries(0):
        assert is_manager(manager) is True
        assert is_manager(staff) is False


@pytest.mark.django_db
def test_unknown_and_inactive_users_are_not_loaded(staff_user):
    staff_user.is_active = False
    staff_user.save()
    backend = RoleAwareModelBackend()

    assert backend.get_user(staff_user.pk) is None
    assert backend.get_user(staff_user.pk + 1000) is None


@pytest.mark.django_db
def test_a_manager_taken_out_of_the_group_loses_the_dashboard_on_the_next_request(
    client, manager_user
):
    assert (
        client.post(
            "/accounts/login/", {"username": manager_user.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert client.get("/dashboard/").status_code == 200

    manager_user.groups.remove(Group.objects.get(name=MANAGER_GROUP))

    assert client.get("/dashboard/").status_code == 403


@pytest.mark.django_db
def test_a_session_from_the_login_form_is_served_by_this_backend(client, staff_user):
    client.post("/accounts/login/", {"username": staff_user.username, "password": PASSWORD})

    assert client.session["_auth_user_backend"] == "core.backends.RoleAwareModelBackend"
    assert Client().get("/").status_code == 302
    assert client.get("/").status_code == 200
