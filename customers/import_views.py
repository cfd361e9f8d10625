"""CSV import (upload, preview, confirm) and export of customers, for managers."""

from django import forms
from django.contrib import messages
from django.db import IntegrityError
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
    return render(
        request, "customers/import_upload.html", {"form": form, "columns": imports.COLUMNS}
    )


@manager_required
@require_http_methods(["GET", "POST"])
def customer_import_preview(request, pk):
    # Any manager may confirm an upload, not only the one who made it: they share the work.
    customer_import = get_object_or_404(CustomerImport.objects.select_related("created_by"), pk=pk)
    preview = None
    if request.method == "POST":
        try:
            result = imports.import_customers(customer_import, user=request.user)
        except imports.AlreadyImported:
            messages.info(request, _("This file was imported already; nothing was imported again."))
            return redirect("customers:list")
        except imports.ImportInvalid as invalid:
            preview = invalid.preview
        except IntegrityError:
            # Someone added a customer with one of the file's emails since the preview.
            messages.error(
                request,
                _("Customers changed while importing, so nothing was imported. Check the preview."),
            )
            return redirect(customer_import)
        else:
            messages.success(
                request,
                _(
                    "Import done: %(created)d added, %(updated)d updated, "
                    "%(skipped)d existing left as they were."
                )
                % {"created": result.created, "updated": result.updated, "skipped": result.skipped},
            )
            return redirect("customers:list")
    elif not customer_import.is_imported:
        preview = imports.validate_import(customer_import.text, customer_import.duplicates)
    return render(
        request,
        "customers/import_preview.html",
        {"customer_import": customer_import, "preview": preview},
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
