from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request) -> str | None:
    """The ``next`` page the form came from (POST, else GET), if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path, never a bare word: redirect() takes "0" or "list" for the name of a view, and a
    # tampered next= would then be a 500 instead of the usual page.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def redirect_to_next(request, fallback, *args):
    """Back to the page the form came from if it is on this site, else to ``fallback``."""
    target = safe_next_url(request)
    return redirect(target) if target else redirect(fallback, *args)
