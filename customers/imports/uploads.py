"""What a manager does with an upload: keep it, confirm it, have it checked again. The worker
does the work once the transaction commits (tasks); beat's sweep, if the broker was down then."""

from functools import partial

from django.db import transaction
from django.utils import timezone

from core.enqueue import enqueue

from ..models import CustomerImport
from .tasks import check_import, run_import

State = CustomerImport.State


def _after_commit(task, import_id: int) -> None:
    # robust: the upload is kept; a broker outage must not turn it into a 500.
    transaction.on_commit(partial(enqueue, task, import_id), robust=True)


def estimated_rows(text: str) -> int:
    """Rows below the header, counted as lines: a quoted cell may hold a line break, so the
    check's own count replaces this one."""
    return max(0, sum(1 for line in text.splitlines() if line.strip()) - 1)


def import_upload_create(
    *, created_by, filename: str, text: str, duplicates: str
) -> CustomerImport:
    """Keep an uploaded file and have the worker check it."""
    customer_import = CustomerImport.objects.create(
        created_by=created_by,
        filename=filename[:255],
        text=text,
        duplicates=duplicates,
        rows_total=estimated_rows(text),
        progress_at=timezone.now(),
    )
    _after_commit(check_import, customer_import.pk)
    return customer_import


def import_confirm(customer_import: CustomerImport, *, user) -> bool:
    """Have the worker import a checked upload as ``user``; False if it was not ready (confirmed
    already, by this manager in another tab or by another manager)."""
    confirmed = CustomerImport.objects.filter(pk=customer_import.pk, state=State.READY).update(
        state=State.IMPORTING, imported_by=user, rows_done=0, progress_at=timezone.now()
    )
    if confirmed:
        _after_commit(run_import, customer_import.pk)
    return bool(confirmed)


def import_check_again(customer_import: CustomerImport) -> bool:
    """Check a failed upload again; False if it had not failed."""
    again = CustomerImport.objects.filter(pk=customer_import.pk, state=State.FAILED).update(
        state=State.CHECKING, rows_done=0, progress_at=timezone.now()
    )
    if again:
        _after_commit(check_import, customer_import.pk)
    return bool(again)
