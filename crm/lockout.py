from django.conf import settings
from django.shortcuts import render


def locked_out(request, response=None, credentials=None):
    """The page django-axes shows after too many failed logins: what happened, how long to
    wait, and what to do instead."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )


def client_username(request, credentials=None):
    """The username a login attempt is recorded under, cut to the 255 characters django-axes
    stores: no account has a longer one, and the whole name would fail the insert with a 500."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    source = credentials or getattr(request, "data", request.POST)
    username = source.get(field)
    return username[:255] if isinstance(username, str) else username
