"""Who may do what. Views and forms ask these questions; templates only mirror the answers."""

import datetime
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

STAFF_GROUP = "Staff"
MANAGER_GROUP = "Manager"
# Where is_manager() keeps its answer on the user; core.backends loads it with the user.
MANAGER_FLAG = "_rapport_is_manager"


def is_manager(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Cache on the user object: several checks run on one request.
    if not hasattr(user, MANAGER_FLAG):
        setattr(user, MANAGER_FLAG, user.groups.filter(name=MANAGER_GROUP).exists())
    return getattr(user, MANAGER_FLAG)


def can_edit_customer(user, customer) -> bool:
    return is_manager(user) or (user.is_authenticated and customer.owner_id == user.pk)


def manager_required(view):
    """Let managers through; everyone else who is logged in gets a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_manager(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def can_edit_interaction(user, interaction, now=None) -> bool:
    """Managers always; the author within the edit window of logging it."""
    if is_manager(user):
        return True
    window = datetime.timedelta(hours=settings.INTERACTION_EDIT_WINDOW_HOURS)
    age = (now or timezone.now()) - interaction.created_at
    return interaction.author_id == user.pk and age <= window


def can_work_complaint(user, complaint) -> bool:
    """Managers, the assignee, and the customer's owner move a case along."""
    return is_manager(user) or user.pk in (complaint.assignee_id, complaint.customer.owner_id)


def can_work_follow_up(user, follow_up) -> bool:
    return is_manager(user) or user.pk in (follow_up.assignee_id, follow_up.created_by_id)
