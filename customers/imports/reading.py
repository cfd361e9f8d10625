"""Reading an uploaded CSV file: its text, its columns, and its rows as values for customers.

The text is read as a stream of rows, so memory stays flat however long the file is; every problem
is collected as a RowError that names the row, the column and the fix.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from core.csv_downloads import FORMULA_STARTS

from ..fields import CUSTOMER_FIELDS
from .cells import BadCell, Cleaner, shown

# The columns a file may have, in the order the export writes them; marketing_consent last, so
# that files laid out before it existed still line up.
COLUMNS = (*CUSTOMER_FIELDS, "marketing_consent")


class ImportFileError(Exception):
    """The upload cannot be read at all; the message tells the person what to do."""


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str  # "" when the problem is the whole row
    value: str
    message: str  # what is wrong and how to fix it

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


# Reading files ------------------------------------------------------------------------------


def read_upload(upload) -> str:
    """The text of an uploaded CSV file, or ImportFileError saying why it cannot be used."""
    limit = settings.CUSTOMER_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ImportFileError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(upload.size), "limit": _megabytes(limit)}
        )
    return decode_csv_bytes(upload.read())


def decode_csv_bytes(data: bytes) -> str:
    save_as = _(
        'Open it in your spreadsheet and save it as "CSV UTF-8" (in Excel: File › Save As › '
        '"CSV UTF-8 (Comma delimited)"), then upload that file.'
    )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("This is a spreadsheet workbook, not a CSV file.") + " " + save_as)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    # NUL characters mean UTF-16, which happens to decode as UTF-8 when it is mostly ASCII.
    if text is None or "\x00" in text:
        raise ImportFileError(_("The file is not UTF-8 text.") + " " + save_as)
    return text


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    figure = f"{megabytes:.1f}" if megabytes >= 0.1 else f"{megabytes:.3f}"
    return figure.rstrip("0").rstrip(".") if "." in figure else figure


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, without copying the whole text into a list."""
    start, length = 0, len(text)
    while start < length:
        end = text.find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _delimiter(text: str) -> str:
    header = text[: text.find("\n")] if "\n" in text else text
    return ";" if header.count(";") > header.count(",") else ","


def undefuse(value: str) -> str:
    """The cell as it was before the export defused it (core.csv_downloads.defuse puts an
    apostrophe before a cell a spreadsheet would run), so an exported file imports unchanged."""
    if value[:1] == "'" and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


# Reading rows -------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    number: int
    values: dict[str, object]  # model field name -> value, for the non-blank cells only
    tags: list[str] | None  # None when the cell is blank
    marketing_consent: bool | None = None  # None when the cell is blank

    @property
    def email(self) -> str:
        return self.values.get("email", "")


class Reader:
    """Yields the good rows of a CSV text and collects every problem in ``errors``."""

    def __init__(self, text: str):
        self.text = text
        self.errors: list[RowError] = []
        self.row_count = 0
        self._first_row_by_email: dict[str, int] = {}
        self._cleaner = Cleaner()

    def rows(self) -> Iterator[Row]:
        text = self.text
        if "\n" not in text and "\r" in text:  # classic Mac line endings
            text = text.replace("\r", "\n")
        reader = csv.reader(_lines(text), delimiter=_delimiter(text))
        number = 0
        columns = None
        try:
            for number, cells in enumerate(reader, start=1):
                if columns is None:
                    columns = self._columns(cells)
                    if columns is None:
                        return
                elif any(cell.strip() for cell in cells):
                    self.row_count += 1
                    row = self._row(number, columns, cells)
                    if row is not None:
                        yield row
        except csv.Error as error:
            self.errors.append(
                RowError(
                    number + 1,
                    "",
                    "",
                    _(
                        "the file cannot be read from this row on (%(error)s); look for a "
                        "double quote that is opened but never closed."
                    )
                    % {"error": error},
                )
            )
            return
        if columns is not None and self.row_count == 0:
            self.errors.append(
                RowError(
                    1, "", "", _("there are no customers below the header; add one row for each.")
                )
            )

    def _columns(self, cells: list[str]) -> list[str | None] | None:
        """The column of each cell of the header row (None for an unnamed one), or None if wrong."""
        columns: list[str | None] = []
        errors = []
        for cell in cells:
            name = re.sub(r"[\s-]+", "_", cell.strip().lower())
            if not name:
                columns.append(None)
            elif name not in COLUMNS:
                errors.append(
                    RowError(
                        1,
                        cell.strip(),
                        cell.strip(),
                        _(
                            "'%(value)s' is not a column Rapport knows; rename or delete it. "
                            "The columns are: %(columns)s."
                        )
                        % {"value": shown(cell.strip()), "columns": ", ".join(COLUMNS)},
                    )
                )
            elif name in columns:
                errors.append(
                    RowError(1, name, "", _("the column appears twice; delete one of them."))
                )
            else:
                columns.append(name)
        if "name" not in columns:
            errors.append(
                RowError(
                    1,
                    "name",
                    "",
                    _("there is no name column; add one, because every customer needs a name."),
                )
            )
        self.errors.extend(errors)
        return None if errors else columns

    def _row(self, number: int, columns: list[str | None], cells: list[str]) -> Row | None:
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
            self.errors.append(
                RowError(
                    number,
                    "",
                    "",
                    _(
                        "the row has %(cells)d cells but the header has %(columns)d; put any "
                        "value that contains a comma or semicolon in double quotes."
                    )
                    % {"cells": len(cells), "columns": len(columns)},
                )
            )
            return None
        values: dict[str, object] = {}
        tags = consent = None
        ok = True
        for index, column in enumerate(columns):
            value = undefuse(cells[index].strip()) if index < len(cells) else ""
            if not value:
                if column == "name":
                    ok = self._error(
                        number, "name", "", _("the name is empty; every customer needs a name.")
                    )
                continue
            if column is None:
                ok = self._error(
                    number,
                    "",
                    value,
                    _(
                        "there is a value under a column with no name; name the column in row 1 "
                        "or delete the value."
                    ),
                )
                continue
            try:
                name, cleaned = self._cleaner.clean(column, value)
            except BadCell as bad:
                ok = self._error(number, column, value, str(bad))
                continue
            if name == "tags":
                tags = cleaned
            elif name == "marketing_consent":
                consent = cleaned
            else:
                values[name] = cleaned
        row = Row(number, values, tags, consent)
        if row.email:
            first = self._first_row_by_email.setdefault(row.email, number)
            if first != number:
                ok = self._error(
                    number,
                    "email",
                    row.email,
                    _("same email as row %(row)d; merge the two rows.") % {"row": first},
                )
        return row if ok else None

    def _error(self, row: int, column: str, value: str, message: str) -> bool:
        self.errors.append(RowError(row, column, value, message))
        return False
