"""What a token may do: the same rules as the pages (core.roles), and a read-only token reads."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, throttling

from core.roles import is_manager

from .tokens import Use


class TokenScope(permissions.BasePermission):
    message = _("This token can only read: make a read-and-write token to change anything.")

    def has_permission(self, request, view):
        use = request.auth
        if not isinstance(use, Use):
            return False
        return request.method in permissions.SAFE_METHODS or use.token.can_write


class ManagersOnly(permissions.BasePermission):
    message = _("Only managers can see this.")

    def has_permission(self, request, view):
        return is_manager(request.user)


class TokenThrottle(throttling.BaseThrottle):
    """API_REQUESTS_PER_MINUTE a token, counted in the database as the token is checked."""

    def allow_request(self, request, view):
        use = request.auth
        self.use = use if isinstance(use, Use) else None
        return self.use is None or self.use.requests_in_window <= settings.API_REQUESTS_PER_MINUTE

    def wait(self):
        if self.use is None:
            return None
        return max((self.use.window_ends_at - timezone.now()).total_seconds(), 1)
