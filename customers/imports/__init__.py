"""CSV import of customers: check a file, preview what it would do, then do all of it or nothing.

The text is read as a stream of rows, a chunk at a time: each chunk's emails are looked up in one
query and, when importing, its customers are written with a few bulk statements before the
next chunk is read, so memory stays flat however long the file is. All chunks share the one
transaction of ``import_customers``, so a problem found late still leaves the database untouched.

reading: the file, its columns and rows; cells: each cell's value; preview: what the rows would
do to the customers; writing: doing it. The names below are the ones the rest of Rapport uses.
"""

from .preview import Duplicate, Preview, validate_import
from .reading import COLUMNS, ImportFileError, RowError, decode_csv_bytes, read_upload, undefuse
from .writing import (
    AlreadyImported,
    ImportInvalid,
    ImportResult,
    import_customers,
    import_upload_create,
)

__all__ = [
    "COLUMNS",
    "AlreadyImported",
    "Duplicate",
    "ImportFileError",
    "ImportInvalid",
    "ImportResult",
    "Preview",
    "RowError",
    "decode_csv_bytes",
    "import_customers",
    "import_upload_create",
    "read_upload",
    "undefuse",
    "validate_import",
]
