"""A database that cannot be reached shows people a calm 503 page, never a 500 or a traceback.

The error can come from the view, or from another middleware before it (loading the session
and the user is usually the first query of a request). Django turns an exception raised inside
a middleware into a 500 response at that middleware's edge, so it never reaches an outer one
as an exception; it does announce it with ``got_request_exception`` while the exception is
still being handled, which is where it is noted on the request.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 60
_NOTED = "_database_unavailable"
_KEPT = "_kept_before_database_error"


def note_kept(request, *, kept: bool) -> None:
    """Record whether what this request sends is stored yet, for the 503 page to say if the
    database fails: a person must neither send twice what we have nor trust us with what we
    do not."""
    setattr(request, _KEPT, kept)


def service_unavailable(kept: bool | None = None) -> HttpResponse:
    """The 503 page; ``kept`` says whether what the request sent was stored (None: the view
    did not say, and the page speaks generally)."""
    # Rendered without the request: the context processors and the user menu would query
    # the database that is down.
    response = HttpResponse(render_to_string("503.html", {"kept": kept}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _note_database_error(sender, request=None, **kwargs):
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        setattr(request, _NOTED, error)


got_request_exception.connect(_note_database_error, dispatch_uid="core.middleware.database_error")


class DatabaseUnavailableMiddleware:
    """Outermost but for security headers and static files, so it sees errors from the
    session, authentication and login-throttling middleware as well as from views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, _NOTED, None)
        if error is None:
            return response
        logger.error(
            "Database unavailable: %s %s answered 503: %s", request.method, request.path, error
        )
        return service_unavailable(getattr(request, _KEPT, None))

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            setattr(request, _NOTED, exception)
            return service_unavailable(getattr(request, _KEPT, None))
        return None
