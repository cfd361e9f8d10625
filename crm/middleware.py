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


def service_unavailable() -> HttpResponse:
    # Rendered without the request: the context processors and the user menu would query
    # the database that is down.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _note_database_error(sender, request=None, **kwargs):
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        setattr(request, _NOTED, error)


got_request_exception.connect(_note_database_error, dispatch_uid="crm.middleware.database_error")


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
        return service_unavailable()

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            setattr(request, _NOTED, exception)
            return service_unavailable()
        return None
