"""A customer's full history for review: print-friendly, and as CSV for a spreadsheet."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core.csv_downloads import csv_download
from core.people import person_name
from core.roles import manager_required
from customers.models import Customer

from .filters import TimelineFilterForm
from .timeline import COMPLAINT_EVENT, FOLLOW_UP, INTERACTION, timeline_entries

CSV_HEADER = ["when", "type", "kind", "summary", "details", "by", "outcome", "satisfaction"]


def _filters(request):
    form = TimelineFilterForm(request.GET or None)
    return form, form.to_filter()


@manager_required
def history_print(request, pk):
    customer = get_object_or_404(Customer.objects.select_related("owner"), pk=pk)
    form, filters = _filters(request)
    return render(
        request,
        "interactions/history_print.html",
        {
            "customer": customer,
            "form": form,
            "entries": list(timeline_entries(customer.pk, filters)),
            "printed_at": timezone.now(),
        },
    )


def _csv_row(entry):
    item, when = entry.object, timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M")
    if entry.type == INTERACTION:
        by = person_name(item.author)
        return [
            when,
            "interaction",
            item.get_kind_display(),
            item.summary,
            item.details,
            by,
            item.get_outcome_display(),
            item.satisfaction or "",
        ]
    if entry.type == COMPLAINT_EVENT:
        by = person_name(item.actor) if item.actor else ""
        status = item.get_to_status_display() if item.to_status else ""
        summary = f"#{item.complaint_id} {item.complaint.summary}: {item.get_kind_display()}"
        return [when, "complaint", status, summary, item.note, by, "", ""]
    if entry.type == FOLLOW_UP:
        done = f"done {item.done_at:%Y-%m-%d}" if item.done_at else f"due {item.due_on:%Y-%m-%d}"
        by = person_name(item.assignee)
        kind = "promise" if item.promised else "follow-up"
        return [when, "follow-up", kind, item.summary, done, by, "", ""]
    by = person_name(item.timeline_by) if item.timeline_by else ""
    return [when, entry.type, str(item.timeline_label), item.timeline_summary, "", by, "", ""]


@manager_required
def history_csv(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    _form, filters = _filters(request)
    rows = (_csv_row(entry) for entry in timeline_entries(customer.pk, filters))
    filename = f"customer-{customer.pk}-history-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_download(filename, CSV_HEADER, rows)
