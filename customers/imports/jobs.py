"""The check and the import of an upload as the worker runs them, each at most once at a time.

An upload is checked (CHECKING, then READY or INVALID), confirmed by a manager (IMPORTING) and
imported (IMPORTED), all of it or nothing, in one transaction. A step that raised is FAILED with
its error, for a manager to check again. A step whose worker went away stops reporting progress;
the sweep (``imports_stranded``) queues it again, and the step, finding its work done or in hand,
does nothing twice.
"""

import datetime

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import describe

from ..models import CustomerImport
from .preview import Preview, validate_import
from .writing import ImportInvalid, write_import

State = CustomerImport.State

# The first key of the advisory lock an import holds while it runs (the second is its id).
_LOCK_NAMESPACE = 20_2012
# A step reports progress every chunk of rows, a fraction of a second apart; one silent this long
# has lost its worker or its task message.
STALE_AFTER = datetime.timedelta(minutes=2)


class Progress:
    """Reports the rows read so far on the upload's record, through a connection of its own:
    the import's own transaction stays open until the last row, and the page must see it move."""

    def __init__(self, import_id: int):
        self.import_id = import_id
        self._connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, rows_done: int) -> None:
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {CustomerImport._meta.db_table} SET rows_done = %s, progress_at = %s "
                "WHERE id = %s",
                [rows_done, timezone.now(), self.import_id],
            )

    def close(self) -> None:
        self._connection.close()


def import_check(import_id: int) -> str | None:
    """Check an upload waiting to be checked and keep what the check found: the state it is
    left in, or None if it was not waiting."""
    customer_import = CustomerImport.objects.filter(pk=import_id, state=State.CHECKING).first()
    if customer_import is None:
        return None
    progress = Progress(import_id)
    try:
        preview = validate_import(
            customer_import.text, customer_import.duplicates, progress=progress
        )
    finally:
        progress.close()
    state = State.READY if preview.is_valid else State.INVALID
    # Two checks of one upload (a sweep's and a slow worker's) find the same; the first keeps it.
    CustomerImport.objects.filter(pk=import_id, state=State.CHECKING).update(
        **_found(preview), state=state, progress_at=timezone.now()
    )
    return state


class Outcome:
    IMPORTED = "imported"
    INVALID = "invalid"
    RECHECK = "recheck"  # customers changed under the import: check the file again
    NOTHING = "nothing"  # not confirmed, imported already, or being imported by another worker


def import_run(import_id: int) -> str:
    """Import a confirmed upload, exactly once, even with two workers or a redelivered task."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Held until this transaction ends, or the connection of a worker that died does.
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, import_id])
            (locked,) = cursor.fetchone()
        customer_import = (
            CustomerImport.objects.select_related("imported_by", "created_by")
            .filter(pk=import_id, state=State.IMPORTING)
            .first()
        )
        if not locked or customer_import is None:
            return Outcome.NOTHING
        progress = Progress(import_id)
        try:
            # A savepoint, so that a failed import rolls back its rows but keeps its record.
            with transaction.atomic():
                preview = write_import(customer_import, progress=progress)
        except ImportInvalid as invalid:
            _record(import_id, state=State.INVALID, **_found(invalid.preview))
            return Outcome.INVALID
        except IntegrityError:
            # Someone added a customer with one of the file's emails since the check.
            _record(
                import_id,
                state=State.CHECKING,
                rows_done=0,
                error=_("Customers changed while importing, so nothing was imported."),
            )
            return Outcome.RECHECK
        finally:
            progress.close()
        _record(
            import_id,
            rows_done=preview.row_count,
            rows_total=preview.row_count,
            state=State.IMPORTED,
            # The file's rows are customers now: neither the file nor its preview is kept
            # (privacy.retention forgets any left from before), only the record of what it did.
            text="",
            preview=None,
            error="",
            imported_at=timezone.now(),
            created_count=preview.to_create,
            updated_count=preview.to_update,
            skipped_count=preview.to_skip,
        )
    return Outcome.IMPORTED


def import_failed(import_id: int, error: BaseException) -> None:
    """Keep the error of a check or an import that raised, for a manager to read."""
    CustomerImport.objects.filter(pk=import_id, state__in=CustomerImport.WORKING_STATES).update(
        state=State.FAILED, error=describe(error), progress_at=timezone.now()
    )


def imports_stranded() -> list[tuple[int, str]]:
    """(id, state) of the checks and imports that stopped moving; each is stamped, so that the
    next sweep gives its new task time to start."""
    now = timezone.now()
    with transaction.atomic():
        stranded = list(
            CustomerImport.objects.filter(state__in=CustomerImport.WORKING_STATES)
            .exclude(progress_at__gte=now - STALE_AFTER)
            .select_for_update(skip_locked=True)
            .values_list("pk", "state")
        )
        CustomerImport.objects.filter(pk__in=[pk for pk, _state in stranded]).update(
            progress_at=now
        )
    return stranded


def _found(preview: Preview) -> dict:
    return {
        "preview": preview.as_json(),
        "rows_done": preview.row_count,
        "rows_total": preview.row_count,
    }


def _record(import_id: int, **fields) -> None:
    CustomerImport.objects.filter(pk=import_id).update(progress_at=timezone.now(), **fields)
