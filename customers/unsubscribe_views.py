"""The public unsubscribe page a customer reaches from the link in any of our emails."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.languages import speak

from . import services
from .models import Customer
from .unsubscribe import (
    EXPIRED,
    MARKETING,
    SCOPES,
    UNSUBSCRIBED_REASON,
    read_scope,
    read_unsubscribe_token,
)


@login_not_required
@never_cache
# The signed token is the authority here, not a session: RFC 8058 one-click unsubscribes are
# POSTed by mail clients that have no CSRF cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks (link scanners must not opt anyone out); POST stops what the customer chose:
    news and offers only, or all email. A POST that chose nothing (a mail client's one-click)
    stops what the link's scope says: all email, unless it came in a marketing email."""
    customer_id, status = read_unsubscribe_token(token)
    if status == EXPIRED:
        return render(request, "customers/unsubscribe.html", {"expired": True}, status=410)
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    if customer is None:
        return render(request, "customers/unsubscribe.html", {"invalid": True}, status=404)
    speak(request, customer.language)
    scope = read_scope(request.GET.get("scope"))
    stopped = None
    if request.method == "POST":
        choice = request.POST.get("stop")
        stopped = choice if choice in SCOPES else scope
        if stopped == MARKETING:
            services.customer_consent_withdraw(customer)
        elif not customer.email_opt_out:
            customer.email_opt_out = True
            customer._change_reason = UNSUBSCRIBED_REASON
            customer.save(update_fields=["email_opt_out", "updated_at"])
    return render(
        request,
        "customers/unsubscribe.html",
        {
            "customer": customer,
            # Already out (by an earlier click, or by staff): say so rather than ask again.
            "done": customer.email_opt_out,
            "news_stopped": stopped == MARKETING,
            "scope": scope,
        },
    )
