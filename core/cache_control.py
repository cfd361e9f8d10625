"""Pages shown to a signed-in person carry ``Cache-Control: private, no-store``.

They hold customers' details: a shared proxy must not keep them for the next visitor, and the
browser must not keep them on disk, where the back button on a shared computer would show them
after the person has logged out.
"""

from django.utils.cache import patch_cache_control


class NoStoreForSignedInMiddleware:
    """After the authentication middleware; whitenoise answers for static files before it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A view that chose its own caching (never_cache on the login and admin pages) keeps it.
        if not response.has_header("Cache-Control") and request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
