"""While DEBUG, a missing page is the product's own 404 too.

Django's technical 404 lists the URL patterns on a page made for a desktop, and `make run`,
which runs with DEBUG on, is tried on phones as well. A traceback page for a 500 stays: that
is what a developer needs, and it is not a page people are sent to.
"""

from django.conf import settings
from django.http import Http404
from django.urls import Resolver404
from django.views.defaults import page_not_found


class NotFoundPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No pattern matched: Django answered with its technical page before any view ran.
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return page_not_found(request, Resolver404())
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
