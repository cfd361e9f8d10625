from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

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
