"""The public page a customer reaches from the email that asks them to confirm they want news
and offers (double opt-in)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.languages import speak

from . import services
from .consent import CONSENT_LINK_DAYS, EXPIRED, read_consent_token
from .models import Customer

TEMPLATE = "customers/marketing_consent.html"


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def marketing_consent(request, token):
    """GET asks (a link scanner opening it records nothing); POST, with the page's CSRF token,
    records the consent. Confirming again changes nothing."""
    customer, status = read_consent_token(token)
    if status == EXPIRED:
        return _page(request, {"expired": True, "days": CONSENT_LINK_DAYS}, status=410)
    if customer is None:
        return _page(request, {"invalid": True}, status=404)
    speak(request, customer.language)
    # Someone who asked for no email at all since is not signed up by an older link.
    if request.method == "POST" and not customer.email_opt_out:
        services.customer_consent_record(customer, source=Customer.ConsentSource.DOUBLE_OPT_IN)
    return _page(
        request,
        {
            "customer": customer,
            "opted_out": customer.email_opt_out,
            "done": customer.marketing_consent_at is not None,
        },
    )


def _page(request, context, status=200):
    response = render(request, TEMPLATE, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
