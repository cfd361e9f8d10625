from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import render


def usernames_tried_from(request) -> int:
    """How many usernames failed to log in from this request's address within the cool-off."""
    return (
        AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        )
        .values("username")
        .distinct()
        .count()
    )


def address_locked(request) -> bool:
    return usernames_tried_from(request) >= settings.LOGIN_ADDRESS_USERNAME_LIMIT


class LoginAttemptHandler(AxesDatabaseHandler):
    """django-axes' database handler with a second, wider lock.

    Axes counts failures per (username, address) pair, so a stranger's wrong passwords lock
    that username only from the stranger's address, never the person at their own desk. That
    alone would let one address try a few passwords on every account: an address that failed
    for LOGIN_ADDRESS_USERNAME_LIMIT usernames is refused for all of them until its failures
    are older than the cool-off."""

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        if address_locked(request):
            # Axes holds every failure count against one limit (here, the pair's): reaching
            # it is how it is told to refuse.
            return max(failures, get_failure_limit(request, credentials))
        return failures


def locked_out(request, response=None, credentials=None):
    """The page django-axes shows after too many failed logins: what happened, how long to
    wait, and what to do instead."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    if address_locked(request):
        context["username_limit"] = settings.LOGIN_ADDRESS_USERNAME_LIMIT
    return render(request, "registration/locked_out.html", context, status=429)


def client_username(request, credentials=None):
    """The username a login attempt is recorded under, cut to the 255 characters django-axes
    stores: no account has a longer one, and the whole name would fail the insert with a 500."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    source = credentials or getattr(request, "data", request.POST)
    username = source.get(field)
    return username[:255] if isinstance(username, str) else username
