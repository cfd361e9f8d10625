"""The Manager role opens the admin for Rapport's own records; accounts stay with superusers."""

import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_manager_by_group_alone_sees_the_admin_link_and_gets_in(manager_client, manager_user):
    assert not manager_user.is_staff and not manager_user.is_superuser
    customer = CustomerFactory(name="Ada Adminable")

    assert 'href="/admin/"' in manager_client.get("/").content.decode()
    index = manager_client.get("/admin/")
    assert index.status_code == 200
    assert 'href="/admin/customers/customer/"' in index.content.decode()
    assert "Ada Adminable" in manager_client.get("/admin/customers/customer/").content.decode()
    change = manager_client.get(f"/admin/customers/customer/{customer.pk}/change/")
    assert change.status_code == 200


def test_a_manager_cannot_change_accounts_in_the_admin(manager_client, staff_user):
    assert manager_client.get("/admin/auth/user/").status_code == 403
    assert manager_client.get(f"/admin/auth/user/{staff_user.pk}/change/").status_code == 403
    assert 'href="/admin/auth/' not in manager_client.get("/admin/").content.decode()


def test_staff_get_neither_the_link_nor_the_admin(staff_client):
    assert 'href="/admin/"' not in staff_client.get("/").content.decode()
    response = staff_client.get("/admin/customers/customer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
