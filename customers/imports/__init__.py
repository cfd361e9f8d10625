"""CSV import of customers: check a file, preview what it would do, then do all of it or nothing,
in the worker.

The text is read as a stream of rows, a chunk at a time: each chunk's emails are looked up in one
query and, when importing, its customers are written with a few bulk statements before the
next chunk is read, so memory stays flat however long the file is. All chunks share the one
transaction of ``import_customers``, so a problem found late still leaves the database untouched.

reading: the file, its columns and rows; cells: each cell's value; preview: what the rows would
do to the customers; writing: doing it; jobs: the check and the import as the worker runs them;
uploads: what a manager does. The names below are the ones the rest of Rapport uses.
"""

from .jobs import Outcome, import_check, import_run, imports_stranded
from .preview import Duplicate, Preview, stored_preview, validate_import
from .reading import COLUMNS, ImportFileError, RowError, decode_csv_bytes, read_upload, undefuse
from .uploads import estimated_rows, import_check_again, import_confirm, import_upload_create
from .writing import ImportInvalid

__all__ = [
    "COLUMNS",
    "Duplicate",
    "ImportFileError",
    "ImportInvalid",
    "Outcome",
    "Preview",
    "RowError",
    "decode_csv_bytes",
    "estimated_rows",
    "import_check",
    "import_check_again",
    "import_confirm",
    "import_run",
    "import_upload_create",
    "imports_stranded",
    "read_upload",
    "stored_preview",
    "undefuse",
    "validate_import",
]
