"""The admin is a manager's tool as well as the operator's: a manager gets in by their role,
without the staff flag, and works there on Rapport's own records."""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig

from .roles import is_manager

# Rapport's own apps. Accounts stay with superusers: changing a user in the admin includes
# making them a superuser.
MANAGED_APP_LABELS = frozenset({"crm", "customers", "interactions", "voice"})


def manager_may(user, app_label: str) -> bool:
    return app_label in MANAGED_APP_LABELS and is_manager(user)


class RapportAdminSite(AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) or is_manager(request.user)


class RapportAdminConfig(AdminConfig):
    default_site = "core.admin_site.RapportAdminSite"
