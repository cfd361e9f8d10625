"""The webhook pages, for managers: the endpoints with a form to add one, and each endpoint's
page with its secret, its actions and its delivery log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.people import person_name
from core.roles import manager_required

from . import disabling, selectors, services
from .forms import EndpointForm
from .models import WebhookDelivery, WebhookEndpoint

PAGE_SIZE = 25
SECTION = {"section": "webhooks"}


@manager_required
@require_http_methods(["GET", "POST"])
def endpoint_list(request):
    form = EndpointForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        endpoint = services.endpoint_create(
            url=form.cleaned_data["url"],
            description=form.cleaned_data["description"],
            events=form.cleaned_data["events"],
            created_by=request.user,
        )
        messages.success(
            request,
            _(
                "Endpoint added. Give its signing secret, below, to the receiver to check the "
                "signatures with."
            ),
        )
        return redirect(endpoint)
    endpoints = selectors.endpoints_with_last_delivery()
    return render(request, "webhooks/list.html", {"endpoints": endpoints, "form": form, **SECTION})


@manager_required
@require_GET
def endpoint_detail(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("created_by"), pk=pk)
    page = Paginator(selectors.delivery_log(endpoint), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/detail.html",
        {"endpoint": endpoint, "page": page, "events": _event_labels(endpoint), **SECTION},
    )


def _event_labels(endpoint: WebhookEndpoint) -> list[tuple[str, str]]:
    labels = dict(WebhookEndpoint.Event.choices)
    return [(name, labels.get(name, name)) for name in endpoint.events]


@manager_required
@require_http_methods(["GET", "POST"])
def endpoint_edit(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    if request.method == "POST":
        form = EndpointForm(request.POST, instance=endpoint)
        if form.is_valid():
            services.endpoint_update(endpoint, **form.cleaned_data)
            messages.success(request, _("Endpoint saved."))
            return redirect(endpoint)
    else:
        form = EndpointForm(instance=endpoint)
    return render(request, "webhooks/edit.html", {"endpoint": endpoint, "form": form, **SECTION})


@manager_required
@require_POST
def endpoint_rotate(request, pk):
    endpoint = services.endpoint_rotate_secret(get_object_or_404(WebhookEndpoint, pk=pk))
    messages.success(
        request,
        _(
            "A new signing secret: the old one signs nothing from now on. Give the new one to the "
            "receiver."
        ),
    )
    return redirect(endpoint)


@manager_required
@require_POST
def endpoint_enable(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    if services.endpoint_enable(endpoint):
        messages.success(request, _("Enabled: new events go to it again."))
    return redirect(endpoint)


@manager_required
@require_POST
def endpoint_disable(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    reason = _("Disabled by %(name)s.") % {"name": person_name(request.user)}
    if disabling.endpoint_disable(endpoint.pk, reason=reason):
        messages.success(request, _("Disabled: nothing goes to it until you enable it again."))
    return redirect(endpoint)


@manager_required
@require_http_methods(["GET", "POST"])
def endpoint_delete(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    if request.method == "POST":
        services.endpoint_delete(endpoint)
        messages.success(request, _("Endpoint deleted, with its delivery log."))
        return redirect("webhooks:list")
    return render(request, "webhooks/delete.html", {"endpoint": endpoint, **SECTION})


def _waits_while_disabled(request, endpoint: WebhookEndpoint) -> None:
    if not endpoint.enabled:
        messages.warning(
            request, _("The endpoint is disabled: this goes when you enable it again.")
        )


@manager_required
@require_POST
def endpoint_ping(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.endpoint_ping(endpoint)
    messages.success(request, _("A test event (ping) is on its way: see the log below."))
    _waits_while_disabled(request, endpoint)
    return redirect(endpoint)


@manager_required
@require_POST
def delivery_replay(request, pk, delivery_pk):
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint"), pk=delivery_pk, endpoint_id=pk
    )
    if services.delivery_replay(delivery):
        messages.success(
            request,
            _("Sending %(event)s again, with the same event id.") % {"event": delivery.event},
        )
        _waits_while_disabled(request, delivery.endpoint)
    else:
        messages.warning(request, _("It is being sent right now: see how it went below."))
    return redirect(delivery.endpoint)
