"""CSV import of customers: check a file, preview what it would do, then do all of it or nothing.

The text is read as a stream of rows, a chunk at a time: each chunk's emails are looked up in one
query and, when importing, its customers are written with a few bulk statements before the
next chunk is read, so memory stays flat however long the file is. All chunks share the one
transaction of ``import_customers``, so a problem found late still leaves the database untouched.
"""

import csv
import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from .forms import assignable_users
from .models import Customer, CustomerImport, Tag
from .services import CHECKIN_INPUTS, normalise_email, refresh_next_checkin

# The columns a file may have, in the order the export writes them.
COLUMNS = (
    "name",
    "company",
    "email",
    "phone",
    "preferred_channel",
    "temperament",
    "expectations",
    "unmet_wants",
    "customer_since",
    "segment",
    "status",
    "owner",
    "tags",
    "checkin_cadence_days",
    "birthday",
    "email_opt_out",
)
CHUNK_SIZE = 1000
HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user")
BATCH_SIZE = 1000
TAG_SEPARATORS = re.compile(r"[|,]")
# Spreadsheets run a cell that starts with one of these as a formula; the export puts an
# apostrophe in front (see exports.defuse) and the import takes it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BOOLEANS = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
# Read as the customer form reads it: str.isdigit() passes "²" and 5,000-digit numbers, which
# int() then refuses.
_CADENCE_DAYS = forms.IntegerField(min_value=1, max_value=3650)


class ImportFileError(Exception):
    """The upload cannot be read at all; the message tells the person what to do."""


class AlreadyImported(Exception):
    pass


class ImportInvalid(Exception):
    def __init__(self, preview: "Preview"):
        super().__init__(f"{len(preview.errors)} problems")
        self.preview = preview


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


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row whose email already belongs to a customer, and what the import does about it."""

    SKIP = "skip"
    UPDATE = "update"
    UNCHANGED = "unchanged"

    row: int
    email: str
    customer_id: int
    customer_name: str
    action: str


@dataclass
class Preview:
    row_count: int = 0
    to_create: int = 0
    to_update: int = 0
    to_skip: int = 0  # existing customers left as they are, skipped or already up to date
    duplicates: list[Duplicate] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def to_import(self) -> int:
        return self.to_create + self.to_update


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped: int


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
    shown = f"{megabytes:.1f}" if megabytes >= 0.1 else f"{megabytes:.3f}"
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


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
    if value[:1] == "'" and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "…"


# Checking cells -----------------------------------------------------------------------------


class _Bad(Exception):
    """A cell's value is wrong; the message says what to write instead."""


class _Cleaner:
    """Turns one cell of a column into the value for the model field, or raises _Bad."""

    CHOICES = {
        "preferred_channel": Customer.Channel,
        "temperament": Customer.Temperament,
        "segment": Customer.Segment,
        "status": Customer.Status,
    }

    def __init__(self):
        self.latest_customer_since = Customer.latest_customer_since()
        self.choices = {
            column: self._choice_map(choices) for column, choices in self.CHOICES.items()
        }
        self.users: dict[str, int] = {}
        folded: dict[str, list[int]] = {}
        for user in assignable_users().only("id", "username"):
            self.users[user.username] = user.pk
            folded.setdefault(user.username.lower(), []).append(user.pk)
        # "Sam" finds "sam" unless two users differ only by case.
        self.users_folded = {name: pks[0] for name, pks in folded.items() if len(pks) == 1}

    @staticmethod
    def _choice_map(choices) -> dict[str, str]:
        found = {}
        for value, label in choices.choices:
            found[str(label).lower()] = value
            if value:
                found[value.lower()] = value
        return found

    def clean(self, column: str, value: str) -> tuple[str, object]:
        """(model field name, value) for a non-blank cell."""
        if column in self.choices:
            return column, self._choice(column, value)
        method = getattr(self, f"_clean_{column}", None)
        if method is not None:
            return method(value)
        return column, self._text(column, value)

    def _text(self, column: str, value: str) -> str:
        limit = Customer._meta.get_field(column).max_length
        if limit and len(value) > limit:
            raise _Bad(
                _("'%(value)s' is %(length)d characters long; shorten it to %(limit)d.")
                % {"value": _shown(value), "length": len(value), "limit": limit}
            )
        return value

    def _choice(self, column: str, value: str) -> str:
        try:
            return self.choices[column][value.lower()]
        except KeyError:
            allowed = ", ".join(v for v in self.CHOICES[column].values if v)
            raise _Bad(
                _("'%(value)s' is not one of the allowed values; write one of: %(allowed)s.")
                % {"value": _shown(value), "allowed": allowed}
            ) from None

    def _clean_email(self, value: str) -> tuple[str, str]:
        email = normalise_email(value)
        try:
            validate_email(email)
        except ValidationError:
            raise _Bad(
                _("'%(value)s' is not an email address; correct it or leave the cell empty.")
                % {"value": _shown(value)}
            ) from None
        return "email", self._text("email", email)

    def _clean_owner(self, value: str) -> tuple[str, int]:
        pk = self.users.get(value) or self.users_folded.get(value.lower())
        if pk is None:
            raise _Bad(
                _(
                    "'%(value)s' is not the username of an active staff member or manager; "
                    "write their username, or leave the cell empty for nobody."
                )
                % {"value": _shown(value)}
            )
        return "owner_id", pk

    def _clean_tags(self, value: str) -> tuple[str, list[str]]:
        seen, names = set(), []
        for raw in TAG_SEPARATORS.split(value):
            name = " ".join(raw.split())
            if len(name) > 50:
                raise _Bad(
                    _("the tag '%(tag)s' is longer than 50 characters; shorten it.")
                    % {"tag": _shown(name)}
                )
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
        return "tags", names

    def _date(self, value: str) -> datetime.date:
        try:
            if _DATE.fullmatch(value):
                return datetime.date.fromisoformat(value)
        except ValueError:
            pass
        raise _Bad(
            _("'%(value)s' is not a date; write it as YYYY-MM-DD.") % {"value": _shown(value)}
        )

    def _clean_customer_since(self, value: str) -> tuple[str, datetime.date]:
        since = self._date(value)
        if since > self.latest_customer_since:
            raise _Bad(
                _("'%(value)s' is more than a year ahead; check the year.")
                % {"value": _shown(value)}
            )
        return "customer_since", since

    def _clean_birthday(self, value: str) -> tuple[str, datetime.date]:
        return "birthday", self._date(value)

    def _clean_checkin_cadence_days(self, value: str) -> tuple[str, int]:
        try:
            return "checkin_cadence_days", _CADENCE_DAYS.clean(value)
        except ValidationError:
            raise _Bad(
                _(
                    "'%(value)s' is not a number of days from 1 to 3650; write a whole number, "
                    "or leave the cell empty for the segment's default."
                )
                % {"value": _shown(value)}
            ) from None

    def _clean_email_opt_out(self, value: str) -> tuple[str, bool]:
        try:
            return "email_opt_out", _BOOLEANS[value.lower()]
        except KeyError:
            raise _Bad(
                _("'%(value)s' is not yes or no; write yes or no.") % {"value": _shown(value)}
            ) from None


# Reading rows -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int
    values: dict[str, object]  # model field name -> value, for the non-blank cells only
    tags: list[str] | None  # None when the cell is blank

    @property
    def email(self) -> str:
        return self.values.get("email", "")


class _Reader:
    """Yields the good rows of a CSV text and collects every problem in ``errors``."""

    def __init__(self, text: str):
        self.text = text
        self.errors: list[RowError] = []
        self.row_count = 0
        self._first_row_by_email: dict[str, int] = {}
        self._cleaner = _Cleaner()

    def rows(self) -> Iterator[_Row]:
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
                        % {"value": _shown(cell.strip()), "columns": ", ".join(COLUMNS)},
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

    def _row(self, number: int, columns: list[str | None], cells: list[str]) -> _Row | None:
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
        tags = None
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
            except _Bad as bad:
                ok = self._error(number, column, value, str(bad))
                continue
            if name == "tags":
                tags = cleaned
            else:
                values[name] = cleaned
        row = _Row(number, values, tags)
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


# Previewing and importing -------------------------------------------------------------------


def _chunked(rows: Iterable[_Row], size: int) -> Iterator[list[_Row]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _existing_by_email(emails: list[str], *, with_tags: bool) -> dict[str, Customer]:
    if not emails:
        return {}
    # Lower(email) with email <> '' matches the partial unique index on PostgreSQL.
    queryset = (
        Customer.objects.annotate(email_ci=Lower("email"))
        .filter(~Q(email=""), email_ci__in=emails)
        .order_by()
    )
    if with_tags:
        queryset = queryset.prefetch_related("tags")
    else:
        queryset = queryset.only("id", "name", "email")
    return {customer.email_ci: customer for customer in queryset}


def _apply(customer: Customer, row: _Row) -> tuple[list[str], list[str] | None]:
    """Put the row's values on the customer: (fields that changed, new tags or None if the same)."""
    changed = [name for name, value in row.values.items() if getattr(customer, name) != value]
    for name in changed:
        setattr(customer, name, row.values[name])
    if CHECKIN_INPUTS.intersection(changed):
        before = customer.next_checkin_due
        refresh_next_checkin(customer)
        if customer.next_checkin_due != before:
            changed.append("next_checkin_due")
    tags = None
    if row.tags is not None:
        current = {tag.name.lower() for tag in customer.tags.all()}
        if current != {name.lower() for name in row.tags}:
            tags = row.tags
    return changed, tags


def _update_customers(customers: list[Customer], fields: list[str]) -> None:
    """What bulk_update does, as one UPDATE ... FROM (VALUES ...) per batch.

    bulk_update builds a CASE with a WHEN per row for every field, which takes Python seconds
    per thousand rows; a VALUES list is plain parameters, cast because they arrive untyped.
    """
    connection = connections[Customer.objects.db]
    quote = connection.ops.quote_name
    targets = [Customer._meta.pk] + [Customer._meta.get_field(name) for name in fields]
    placeholders = [f"CAST(%s AS {field.cast_db_type(connection)})" for field in targets]
    row_sql = "(" + ", ".join(placeholders) + ")"
    table = quote(Customer._meta.db_table)
    assignments = ", ".join(
        f"{quote(field.column)} = v.column{n}" for n, field in enumerate(targets[1:], start=2)
    )
    # Stay well under PostgreSQL's 65535 parameters per statement.
    batch = max(1, min(BATCH_SIZE, 30_000 // len(targets)))
    with connection.cursor() as cursor:
        for start in range(0, len(customers), batch):
            chunk = customers[start : start + batch]
            params = [
                field.get_db_prep_save(getattr(customer, field.attname), connection)
                for customer in chunk
                for field in targets
            ]
            cursor.execute(
                f"UPDATE {table} SET {assignments} "
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v "
                f"WHERE {table}.{quote(targets[0].column)} = v.column1",
                params,
            )


def _record_history(ids: list[int], history_type: str, user, reason: str, date) -> None:
    """Audit-trail rows for customers just written in bulk, copied from their table by the database.

    Bulk writes send no signals, so django-simple-history does not see them, and its
    bulk_history_create builds every row in Python, which costs as much as the import itself.
    """
    if not ids or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    History = Customer.history.model
    connection = connections[History.objects.db]
    quote = connection.ops.quote_name
    tracked = ", ".join(quote(field.column) for field in History.tracked_fields)
    extra = [History._meta.get_field(name) for name in HISTORY_COLUMNS]
    extra_columns = ", ".join(quote(field.column) for field in extra)
    extra_values = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(
            extra, [date, reason, history_type, user.pk if user else None], strict=True
        )
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            cursor.execute(
                f"INSERT INTO {quote(History._meta.db_table)} ({tracked}, {extra_columns}) "
                f"SELECT {tracked}, {', '.join(['%s'] * len(extra))} "
                f"FROM {quote(Customer._meta.db_table)} "
                f"WHERE {quote(Customer._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                extra_values + chunk,
            )


class _Writer:
    """Collects one chunk's creates and updates, then writes them with a few bulk queries.

    Bulk writes send no signals, so the audit trail's records are written here too.
    """

    def __init__(self, *, user, reason: str):
        self.user = user
        self.reason = reason[:100]  # the audit trail's column is 100 characters
        self.creates: list[tuple[Customer, list[str] | None]] = []
        self.updates: list[Customer] = []
        self.update_fields: set[str] = set()
        self.retag: list[tuple[Customer, list[str]]] = []
        self._tags: dict[str, Tag] | None = None

    def create(self, row: _Row) -> None:
        customer = Customer(**row.values)
        refresh_next_checkin(customer)
        self.creates.append((customer, row.tags))

    def update(self, customer: Customer, fields: list[str], tags: list[str] | None) -> None:
        self.updates.append(customer)
        self.update_fields.update(fields)
        if tags is not None:
            self.retag.append((customer, tags))

    def discard(self) -> None:
        self.creates, self.updates, self.retag = [], [], []
        self.update_fields = set()

    def flush(self) -> None:
        Through = Customer.tags.through
        now = timezone.now()
        if self.creates:
            created = [customer for customer, _tags in self.creates]
            Customer.objects.bulk_create(created, batch_size=BATCH_SIZE)
            _record_history([c.pk for c in created], "+", self.user, self.reason, now)
        if self.updates:
            for customer in self.updates:
                customer.updated_at = now
            _update_customers(self.updates, [*sorted(self.update_fields), "updated_at"])
            _record_history([c.pk for c in self.updates], "~", self.user, self.reason, now)
        if self.retag:
            Through.objects.filter(customer_id__in=[c.pk for c, _tags in self.retag]).delete()
        tagged = [(c, tags) for c, tags in self.creates if tags] + self.retag
        if tagged:
            tags = self._tag_objects({name for _c, names in tagged for name in names})
            Through.objects.bulk_create(
                [
                    Through(customer_id=customer.pk, tag_id=tags[name.lower()].pk)
                    for customer, names in tagged
                    for name in names
                ],
                batch_size=BATCH_SIZE,
            )
        self.discard()

    def _tag_objects(self, names: set[str]) -> dict[str, Tag]:
        """Tags by lower-cased name, creating the missing ones; "VIP" in the file finds "vip"."""
        if self._tags is None:
            self._tags = {}
            for tag in Tag.objects.only("id", "name"):
                self._tags.setdefault(tag.name.lower(), tag)
        missing = {name.lower(): name for name in names if name.lower() not in self._tags}
        if missing:
            Tag.objects.bulk_create(
                [Tag(name=name) for name in missing.values()], ignore_conflicts=True
            )
            for tag in Tag.objects.filter(name__in=missing.values()):
                self._tags[tag.name.lower()] = tag
        return self._tags


def _run(text: str, duplicates: str, writer: _Writer | None) -> Preview:
    reader = _Reader(text)
    preview = Preview(errors=reader.errors)
    update = duplicates == CustomerImport.Duplicates.UPDATE
    for chunk in _chunked(reader.rows(), CHUNK_SIZE):
        existing = _existing_by_email([r.email for r in chunk if r.email], with_tags=update)
        for row in chunk:
            customer = existing.get(row.email) if row.email else None
            if customer is None:
                preview.to_create += 1
                if writer:
                    writer.create(row)
                continue
            name = customer.name  # before the row's name replaces it
            if not update:
                action = Duplicate.SKIP
            else:
                fields, tags = _apply(customer, row)
                action = Duplicate.UPDATE if fields or tags is not None else Duplicate.UNCHANGED
                if writer and action == Duplicate.UPDATE:
                    writer.update(customer, fields, tags)
            if action == Duplicate.UPDATE:
                preview.to_update += 1
            else:
                preview.to_skip += 1
            preview.duplicates.append(Duplicate(row.number, row.email, customer.pk, name, action))
        if writer and preview.errors:
            writer.discard()  # nothing will be written; keep memory flat while checking on
        elif writer:
            writer.flush()
    preview.row_count = reader.row_count
    return preview


def validate_import(text: str, duplicates: str) -> Preview:
    """What importing this text would do, and every problem that stops it; writes nothing."""
    return _run(text, duplicates, writer=None)


def import_upload_create(
    *, created_by, filename: str, text: str, duplicates: str
) -> CustomerImport:
    """Keep an uploaded file until a manager confirms its preview."""
    return CustomerImport.objects.create(
        created_by=created_by, filename=filename[:255], text=text, duplicates=duplicates
    )


def import_customers(customer_import: CustomerImport, *, user=None) -> ImportResult:
    """Import every row of an upload in one transaction, exactly once, as ``user``.

    Raises AlreadyImported if it was imported before, ImportInvalid if a row is wrong (for
    example an owner deactivated since the preview); either way nothing is written.
    """
    with transaction.atomic():
        now = timezone.now()
        # The claim: a second confirm, even a concurrent one, finds imported_at set and stops.
        claimed = CustomerImport.objects.filter(
            pk=customer_import.pk, imported_at__isnull=True
        ).update(imported_at=now)
        if not claimed:
            raise AlreadyImported
        writer = _Writer(
            user=user or customer_import.created_by,
            reason=_("Imported from %(file)s") % {"file": customer_import.filename},
        )
        preview = _run(customer_import.text, customer_import.duplicates, writer=writer)
        if preview.errors:
            raise ImportInvalid(preview)
        result = ImportResult(
            created=preview.to_create, updated=preview.to_update, skipped=preview.to_skip
        )
        CustomerImport.objects.filter(pk=customer_import.pk).update(
            created_count=result.created,
            updated_count=result.updated,
            skipped_count=result.skipped,
        )
    customer_import.imported_at = now
    customer_import.created_count = result.created
    customer_import.updated_count = result.updated
    customer_import.skipped_count = result.skipped
    return result
