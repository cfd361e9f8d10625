"""The inbox: email that matched no customer, for staff to file, and failed email for managers."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.roles import is_manager, manager_required

from . import selectors, triage
from .forms import AttachForm
from .models import InboundMessage

PAGE_SIZE = 25
_HANDLED = _("Someone has dealt with this email already.")


@require_GET
def inbox(request):
    page = Paginator(
        selectors.inbox_messages(with_failed=is_manager(request.user)), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "inbound/inbox.html",
        {"page": page, "attach_form": AttachForm(), "section": "inbox"},
    )


def _waiting(pk) -> InboundMessage:
    return get_object_or_404(InboundMessage.objects.defer("raw"), pk=pk)


@require_POST
def inbox_attach(request, pk):
    message = _waiting(pk)
    form = AttachForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["customer"]))
        return redirect("inbound:inbox")
    customer = form.cleaned_data["customer"]
    try:
        triage.message_attach(message, customer, by=request.user)
    except triage.NotWaiting:
        messages.info(request, _HANDLED)
        return redirect("inbound:inbox")
    messages.success(request, _("Filed on %(name)s's timeline.") % {"name": customer.name})
    return redirect("inbound:inbox")


@require_POST
def inbox_create_customer(request, pk):
    message = _waiting(pk)
    try:
        customer = triage.message_create_customer(message, by=request.user)
    except triage.NotWaiting:
        messages.info(request, _HANDLED)
        return redirect("inbound:inbox")
    messages.success(
        request,
        _("%(name)s added as a customer, with the email on the timeline.")
        % {"name": customer.name},
    )
    return redirect(customer)


@require_POST
def inbox_set_aside(request, pk):
    try:
        triage.message_set_aside(_waiting(pk), by=request.user)
    except triage.NotWaiting:
        messages.info(request, _HANDLED)
    else:
        messages.success(request, _("Set aside: it is kept, but no longer listed."))
    return redirect("inbound:inbox")


@require_POST
@manager_required
def inbox_retry(request, pk):
    try:
        triage.message_retry(_waiting(pk))
    except triage.NotWaiting:
        messages.info(request, _HANDLED)
    else:
        messages.success(request, _("The email is being processed again."))
    return redirect("inbound:inbox")
