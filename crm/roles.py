"""Who may do what. Views and forms ask these questions; templates only mirror the answers."""

from functools import wraps

from django.core.exceptions import PermissionDenied

STAFF_GROUP = "Staff"
MANAGER_GROUP = "Manager"


def is_manager(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Cache on the user object: several checks run on one request.
    if not hasattr(user, "_rapport_is_manager"):
        user._rapport_is_manager = user.groups.filter(name=MANAGER_GROUP).exists()
    return user._rapport_is_manager


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
