from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from .admin_site import manager_may
from .roles import MANAGER_FLAG, MANAGER_GROUP


class RoleAwareModelBackend(ModelBackend):
    """Django's backend, loading whether the user manages with the user itself: every page asks,
    and this spares each request a second query."""

    def get_user(self, user_id):
        manages = Group.objects.filter(user=OuterRef("pk"), name=MANAGER_GROUP)
        users = get_user_model()._default_manager.annotate(**{MANAGER_FLAG: Exists(manages)})
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    # A manager may do anything to Rapport's own records, in the admin as on the pages.
    def has_perm(self, user_obj, perm, obj=None):
        return manager_may(user_obj, perm.partition(".")[0]) or super().has_perm(
            user_obj, perm, obj
        )

    def has_module_perms(self, user_obj, app_label):
        return manager_may(user_obj, app_label) or super().has_module_perms(user_obj, app_label)
