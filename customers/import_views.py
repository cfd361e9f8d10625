"""CSV import (upload, preview, confirm, progress) and export of customers, for managers."""

from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from core.csv_downloads import csv_download
from core.roles import manager_required

from . import exports, imports
from .filters import CustomerFilter
from .models import Customer, CustomerImport


class CustomerImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 text, with commas or semicolons between the columns."),
    )
    duplicates = forms.ChoiceField(
        label=gettext_lazy("When a row's email already belongs to a customer"),
        choices=CustomerImport.Duplicates.choices,
        initial=CustomerImport.Duplicates.SKIP,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.cleaned_data["text"] = imports.read_upload(upload)
        except imports.ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


RECENT_IMPORTS = 10
_confirmed_already = gettext_lazy(
    "This file was confirmed already; it is not imported a second time."
)
# Why a confirm was refused, by the state the upload was in (a stale tab, a second manager).
_refused = {
    CustomerImport.State.CHECKING: gettext_lazy(
        "This file is still being checked; confirm it once the check is done."
    ),
    CustomerImport.State.INVALID: gettext_lazy(
        "This file has problems to fix, so nothing was imported."
    ),
    CustomerImport.State.READY: _confirmed_already,
    CustomerImport.State.IMPORTING: _confirmed_already,
    CustomerImport.State.IMPORTED: _confirmed_already,
    CustomerImport.State.FAILED: gettext_lazy(
        "This file could not be checked or imported; check it again first."
    ),
}


@manager_required
@require_http_methods(["GET", "POST"])
def customer_import(request):
    form = CustomerImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        customer_import = imports.import_upload_create(
            created_by=request.user,
            filename=form.cleaned_data["file"].name,
            text=form.cleaned_data["text"],
            duplicates=form.cleaned_data["duplicates"],
        )
        return redirect(customer_import)
    recent = CustomerImport.objects.select_related("created_by").defer("text", "preview")
    return render(
        request,
        "customers/import_upload.html",
        {"form": form, "columns": imports.COLUMNS, "recent": recent[:RECENT_IMPORTS]},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def customer_import_preview(request, pk):
    # Any manager may confirm an upload, not only the one who made it: they share the work.
    customer_import = get_object_or_404(
        CustomerImport.objects.select_related("created_by", "imported_by").defer("text"), pk=pk
    )
    if request.method == "POST":
        if request.POST.get("action") == "check-again":
            if not imports.import_check_again(customer_import):
                messages.info(request, _("This file is not waiting to be checked again."))
        elif imports.import_confirm(customer_import, user=request.user):
            messages.success(
                request, _("The import has started. You may leave this page: it goes on.")
            )
        else:
            messages.info(request, _refused[customer_import.state])
        return redirect(customer_import)
    preview = imports.stored_preview(customer_import)
    return render(
        request,
        "customers/import_preview.html",
        {"customer_import": customer_import, "preview": preview},
    )


@manager_required
@require_GET
def customer_import_status(request, pk):
    """How far the check or the import has got, for the page's progress bar."""
    customer_import = get_object_or_404(
        CustomerImport.objects.only("state", "rows_done", "rows_total"), pk=pk
    )
    return JsonResponse(
        {
            "state": customer_import.state,
            "rows_done": customer_import.rows_done,
            "rows_total": customer_import.rows_total,
            "percent": customer_import.percent_done,
        }
    )


@manager_required
@require_GET
def customer_export(request):
    """Every customer the list shows with the same filters, streamed as CSV."""
    queryset = CustomerFilter(
        request.GET or None, queryset=Customer.objects.for_export(), user=request.user
    ).qs
    filename = f"customers-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_download(filename, imports.COLUMNS, exports.export_rows(queryset))
