"""A customer's data, for managers: the export, the erasure, and the archived customers due
to be erased. An erased customer's pages answer 410 before these run (customers.erased)."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.roles import manager_required
from customers.models import Customer

from . import discovery, erasure, export, retention
from .forms import ErasureForm

logger = logging.getLogger(__name__)

ERASE_DUE_PAGE_SIZE = 50


@manager_required
@require_GET
def data_export(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    archive = export.customer_archive(customer)
    # Said in the log, not the database: reading a page writes nothing.
    logger.info("Customer %s's data exported by user %s", customer.pk, request.user.pk)
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.archive_filename(customer)}"'
    return response


def _what_goes(found) -> list[tuple[str, int]]:
    """(kind of record, how many) of the customer's rows: their own records first, then the
    audit trail's copies."""
    counts = {}
    for model, ids in found.theirs.items():
        if not ids or model._meta.auto_created:
            continue
        original = discovery.original_model(model)
        if original is model:
            key = (False, str(model._meta.verbose_name_plural).capitalize())
        else:
            key = (True, _("Audit trail: %(what)s") % {"what": original._meta.verbose_name_plural})
        counts[key] = counts.get(key, 0) + len(ids)
    return [(label, count) for (_audit, label), count in sorted(counts.items())]


@manager_required
@require_http_methods(["GET", "POST"])
def erase(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure.customer_erase(customer.pk, by=request.user)
        except erasure.AlreadyErased:
            messages.info(request, _("This customer had been erased already."))
        else:
            messages.success(request, _("The customer's data was erased."))
        return redirect(customer)
    found = discovery.find(customer)
    mentions = sum(len(ids) for ids in found.mentions.values())
    return render(
        request,
        "privacy/erase_confirm.html",
        {"customer": customer, "form": form, "what_goes": _what_goes(found), "mentions": mentions},
        status=400 if form.is_bound else 200,
    )


@manager_required
@require_GET
def erase_due(request):
    page = Paginator(retention.erase_due(), ERASE_DUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/erase_due.html",
        {"page": page, "days": settings.ERASE_ARCHIVED_AFTER_DAYS},
    )
