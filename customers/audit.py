"""The audit trail of one customer: every recorded change to them and to their interactions,
complaints and follow-ups, who made it and when (from django-simple-history)."""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404, render

from core.roles import manager_required

from .models import Customer

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class AuditEntry:
    when: object
    who: object
    what: str
    action: str
    changes: list = field(default_factory=list)
    reason: str = ""


def _entries(history_queryset, label):
    """Turn history rows into entries, diffing each row against the one before it."""
    rows = list(history_queryset.select_related("history_user").order_by("id", "history_date"))
    previous_by_object = {}
    entries = []
    for row in rows:
        previous = previous_by_object.get(row.id)
        changes = []
        if previous is not None and row.history_type == "~":
            delta = row.diff_against(previous)
            changes = [(c.field, c.old, c.new) for c in delta.changes]
        previous_by_object[row.id] = row
        entries.append(
            AuditEntry(
                when=row.history_date,
                who=row.history_user,
                what=label(row),
                action=ACTIONS[row.history_type],
                changes=changes,
                reason=row.history_change_reason or "",
            )
        )
    return entries


def customer_audit_trail(customer: Customer) -> list[AuditEntry]:
    """Newest first. One query per kind of record, whatever the history's length."""
    entries = _entries(customer.history.all(), lambda row: "Customer")
    for related, label in (
        ("interactions", "Interaction"),
        ("complaints", "Complaint"),
        ("follow_ups", "Follow-up"),
    ):
        model = getattr(customer, related).model
        history = model.history.filter(customer_id=customer.pk)
        entries += _entries(history, lambda row, label=label: f"{label} #{row.id}: {row}")
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


@manager_required
def customer_audit(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    return render(
        request,
        "customers/customer_history.html",
        {"customer": customer, "entries": customer_audit_trail(customer)},
    )
