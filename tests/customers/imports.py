"""Running an upload's steps here, as the worker runs them, for tests of the pages and services."""

from customers import imports
from customers.models import CustomerImport


def worker_runs(customer_import) -> None:
    """What the worker does with the upload next, once the request's data is in."""
    customer_import.refresh_from_db()
    if customer_import.state == CustomerImport.State.CHECKING:
        imports.import_check(customer_import.pk)
    elif customer_import.state == CustomerImport.State.IMPORTING:
        imports.import_run(customer_import.pk)
    customer_import.refresh_from_db()


def import_now(customer_import, *, user=None) -> tuple[int, int, int]:
    """Check, confirm and import an upload as the worker and a manager would: (created,
    updated, skipped)."""
    worker_runs(customer_import)
    assert imports.import_confirm(customer_import, user=user)
    worker_runs(customer_import)
    assert customer_import.state == CustomerImport.State.IMPORTED, customer_import.preview
    return (
        customer_import.created_count,
        customer_import.updated_count,
        customer_import.skipped_count,
    )
